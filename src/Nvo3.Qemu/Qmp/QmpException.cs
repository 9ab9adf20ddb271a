namespace Nvo3.Qemu.Qmp;

/// <summary>
/// QEMU refused a command: its reply was <c>{"error": {"class": …, "desc": …}}</c>. The
/// connection stays usable.
/// </summary>
public sealed class QmpException : Exception
{
    /// <summary>Creates the exception for <paramref name="command"/> with QEMU's error class and description.</summary>
    public QmpException(string command, string errorClass, string description)
        : base($"QEMU refused {command}: {description} ({errorClass}).")
    {
        Command = command;
        ErrorClass = errorClass;
        Description = description;
    }

    /// <summary>The command QEMU refused.</summary>
    public string Command { get; }

    /// <summary>QEMU's error class: GenericError, CommandNotFound, DeviceNotFound, DeviceNotActive, KVMMissingCap.</summary>
    public string ErrorClass { get; }

    /// <summary>QEMU's description of what was wrong.</summary>
    public string Description { get; }
}
