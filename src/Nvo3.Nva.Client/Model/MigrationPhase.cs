namespace Nvo3.Nva;

/// <summary>
/// Where a move stands: the one vocabulary of the directory's records, the migration engine's
/// progress and the orchestrator. The NVA records <see cref="Prepared"/>, <see cref="Paused"/>,
/// <see cref="Activated"/>, <see cref="Completed"/> and <see cref="Aborted"/>; the others are
/// steps the engine reports between them.
/// </summary>
public enum MigrationPhase
{
    /// <summary>Recorded; the destination is pre-associated and the old NVE knows the new one (the agents connect and agree).</summary>
    Prepared,
    /// <summary>Pre-copy rounds while the workload runs.</summary>
    PreCopy,
    /// <summary>A standby is kept up to date (checkpoints or replicated writes).</summary>
    Protecting,
    /// <summary>The workload is paused at the source; the redirect forwards packets in flight while the rest of the state goes.</summary>
    Paused,
    /// <summary>The activation was sent; waiting for the destination to run.</summary>
    Activating,
    /// <summary>The destination is Activated; the redirect runs until it expires.</summary>
    Activated,
    /// <summary>Done: the source was disassociated.</summary>
    Completed,
    /// <summary>Given up before the switchover; the directory is as before and the workload runs at the source.</summary>
    Aborted,
}
