using Nvo3.Qemu.Qmp;

namespace Nvo3.Qemu.Migration;

/// <summary>How a QEMU guest is moved: where the state and disk go, and QEMU's knobs.</summary>
public sealed record QemuMigrationOptions
{
    /// <summary>The destination's address for the migration stream and the NBD export (default 127.0.0.1).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The migration stream's TCP port at the destination; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The NBD export's TCP port at the destination; 0 picks a free one.</summary>
    public int DiskPort { get; init; }

    /// <summary>Stop before the switchover (state pre-switchover) so the caller can redirect the network and the disk mirror can finish (default true).</summary>
    public bool PauseBeforeSwitchover { get; init; } = true;

    /// <summary>Throttle the guest when it dirties memory faster than it is sent.</summary>
    public bool AutoConverge { get; init; }

    /// <summary>QEMU's migration parameters (bandwidth, downtime limit, announcements…); null keeps QEMU's.</summary>
    public MigrationParameters? Parameters { get; init; }

    /// <summary>Copy the guest's disk (node <c>disk0</c>) to the destination's with a block mirror over NBD before the memory.</summary>
    public bool MirrorDisk { get; init; }

    /// <summary>How often progress is read from query-migrate (default 100 ms).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The bound on a whole move (default 5 minutes).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}
