namespace Nvo3.Qemu.Qmp;

/// <summary>What a line from QEMU is.</summary>
public enum QmpMessageKind
{
    /// <summary>The greeting sent once on connect: <c>{"QMP": {"version": …, "capabilities": […]}}</c>.</summary>
    Greeting,
    /// <summary>A command's success: <c>{"return": …, "id": …}</c>.</summary>
    Return,
    /// <summary>A command's failure: <c>{"error": {"class": …, "desc": …}, "id": …}</c>.</summary>
    Error,
    /// <summary>An asynchronous event: <c>{"event": …, "data": …, "timestamp": …}</c>.</summary>
    Event,
}
