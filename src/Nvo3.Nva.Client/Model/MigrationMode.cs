namespace Nvo3.Nva;

/// <summary>
/// How a workload moves or is protected (draft-ietf-nvo3-vmm section 7): the one vocabulary of
/// the directory, the migration engine, the orchestrator and the command line. The values are
/// those the migration protocol carries on the wire.
/// </summary>
public enum MigrationMode : byte
{
    /// <summary>Live: iterative pre-copy while it runs, a short pause, resume at the destination.</summary>
    Hot = 1,
    /// <summary>A standby receives checkpoints every interval; failover resumes from the last one.</summary>
    Warm = 2,
    /// <summary>Stop, package everything, send, instantiate, start.</summary>
    Cold = 3,
    /// <summary>A second copy kept identical write by write; failover activates it, no state moves.</summary>
    HotStandby = 4,
}
