using System.Net.Sockets;
using Nvo3.Migration;

namespace Nvo3.Lab;

/// <summary>How the demo runs its scenarios (the options of <c>nvo3 demo</c>).</summary>
public sealed record DemoOptions
{
    /// <summary>Correspondent NVEs learn moves by push (watch) instead of pull (look-up at expiry).</summary>
    public bool Push { get; init; }

    /// <summary>The old NVE forwards packets in flight (off shows what the redirect saves).</summary>
    public bool InflightForwarding { get; init; } = true;

    /// <summary>The underlay family.</summary>
    public AddressFamily Underlay { get; init; } = AddressFamily.InterNetwork;

    /// <summary>How long NVEs may cache a look-up: long enough that packets in flight exist. Default 500 ms.</summary>
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The interval between probes. Default 1 ms.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How long probes flow before the move. Default 300 ms.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The workload's size: 32 MiB of memory and 8 MiB of disk by default.</summary>
    public WorkloadShape Workload { get; init; } = new() { MemoryBytes = 32L << 20, DiskBytes = 8L << 20 };

    /// <summary>How the workload dirties its state while it runs: 10 MB/s of memory and 1 MB/s of disk by default.</summary>
    public DirtierSettings Dirtying { get; init; } = new() { MemoryRate = 10_000_000, DiskRate = 1_000_000 };

    /// <summary>Hot moves and hot standby: a 1 Gbit/s link and a 20 ms downtime limit (QEMU's default is 300 ms).</summary>
    public PreCopySettings PreCopy { get; init; } = new() { MaxBandwidth = 125_000_000, DowntimeLimit = TimeSpan.FromMilliseconds(20) };

    /// <summary>Cold moves: a 1 Gbit/s link.</summary>
    public TransferSettings Transfer { get; init; } = new() { MaxBandwidth = 125_000_000 };

    /// <summary>Warm standby: a checkpoint every 100 ms on a 1 Gbit/s link.</summary>
    public WarmStandbySettings Checkpoints { get; init; } = new() { MaxBandwidth = 125_000_000, DowntimeLimit = TimeSpan.FromMilliseconds(20), CheckpointInterval = TimeSpan.FromMilliseconds(100) };

    /// <summary>A capture of every underlay packet of every scenario (null: none).</summary>
    public UnderlayCapture? Capture { get; init; }
}
