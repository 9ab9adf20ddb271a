namespace Nvo3.Nva;

/// <summary>How a workload moves (draft-ietf-nvo3-vmm section 7).</summary>
public enum MigrationMode
{
    /// <summary>Live: pre-copy while running, a short pause, resume at the destination.</summary>
    Hot,
    /// <summary>Checkpoints to a standby; failover from the last one.</summary>
    Warm,
    /// <summary>Stop, package, send, instantiate, start.</summary>
    Cold,
    /// <summary>Two running copies kept identical; failover activates the secondary.</summary>
    Standby,
}
