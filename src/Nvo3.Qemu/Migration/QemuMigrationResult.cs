namespace Nvo3.Qemu.Migration;

/// <summary>
/// What a finished move cost, in QEMU's figures where QEMU has them (its own downtime and total
/// time) and in ours for what QEMU cannot see (the wait at the switchover, a cold move's pause).
/// </summary>
public sealed record QemuMigrationResult
{
    /// <summary>hot or cold.</summary>
    public required string Mode { get; init; }

    /// <summary>QEMU's total-time: from migrate to completed, ms.</summary>
    public long? TotalTimeMs { get; init; }

    /// <summary>QEMU's downtime: how long the guest was stopped at the switchover, ms (for a hot move).</summary>
    public long? DowntimeMs { get; init; }

    /// <summary>QEMU's setup-time, ms.</summary>
    public long? SetupTimeMs { get; init; }

    /// <summary>Memory bytes QEMU sent.</summary>
    public long? TransferredBytes { get; init; }

    /// <summary>The guest's memory.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Pre-copy rounds (dirty-sync-count).</summary>
    public long? Rounds { get; init; }

    /// <summary>The bytes the mirror copied: the disk, and again what the guest rewrote meanwhile (0 without a disk).</summary>
    public long DiskBytes { get; init; }

    /// <summary>From the mirror's start until it was in sync, ms (0 without a disk).</summary>
    public double DiskMirrorMs { get; init; }

    /// <summary>How long the source stayed in pre-switchover: the caller's hook and the mirror's end, ms.</summary>
    public double SwitchoverMs { get; init; }

    /// <summary>A cold move: from stop at the source to cont at the destination, ms.</summary>
    public double StoppedMs { get; init; }

    /// <summary>The whole move as we timed it, ms.</summary>
    public double WallMs { get; init; }
}
