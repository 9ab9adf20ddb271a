namespace Nvo3.Migration;

/// <summary>Where a move stands, for progress reports.</summary>
public enum MigrationPhase
{
    /// <summary>Connecting and agreeing with the destination; the Prepare hook.</summary>
    Preparing,
    /// <summary>Pre-copy rounds while the workload runs.</summary>
    PreCopy,
    /// <summary>The workload is paused; the rest of the state goes.</summary>
    Paused,
    /// <summary>The activation was sent; waiting for the destination to run.</summary>
    Activating,
    /// <summary>A standby is kept up to date (checkpoints or replicated writes).</summary>
    Protecting,
    /// <summary>Done.</summary>
    Completed,
    /// <summary>Given up.</summary>
    Aborted,
}
