namespace Nvo3.Nva;

/// <summary>Where a migration stands.</summary>
public enum MigrationPhase
{
    /// <summary>Recorded; the destination is pre-associated and the old NVE knows the new one.</summary>
    Prepared,
    /// <summary>The workload is paused at the source; the redirect forwards packets in flight.</summary>
    Paused,
    /// <summary>The destination is Activated; the redirect runs until it expires.</summary>
    Activated,
    /// <summary>The redirect expired and the source was disassociated.</summary>
    Completed,
    /// <summary>Given up before the switchover; the directory is as before.</summary>
    Aborted,
}
