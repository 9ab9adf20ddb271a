namespace Nvo3.Mobility.Emulated;

/// <summary>Whether an emulated VM runs.</summary>
public enum VmState
{
    /// <summary>Not started, or stopped.</summary>
    Stopped,
    /// <summary>Processing frames.</summary>
    Running,
    /// <summary>Frozen for a move: processes nothing, sends nothing.</summary>
    Paused,
}
