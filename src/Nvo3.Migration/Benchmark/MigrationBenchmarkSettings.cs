namespace Nvo3.Migration;

/// <summary>What <see cref="MigrationBenchmark"/> measures.</summary>
public sealed record MigrationBenchmarkSettings
{
    /// <summary>Memory of the migrated workload. Default 256 MiB.</summary>
    public long MemoryBytes { get; init; } = 256L << 20;

    /// <summary>Dirty rates to sweep, bytes per second. Default 0, 10, 50, 100 and 200 MB/s.</summary>
    public IReadOnlyList<double> DirtyRates { get; init; } = [0, 10e6, 50e6, 100e6, 200e6];

    /// <summary>The bandwidth cap, bytes per second; 0 for none (what the machine and the transport give). Default 125 MB/s (1 Gbit/s).</summary>
    public double BandwidthCap { get; init; } = 125e6;

    /// <summary>The downtime limit. Default 300 ms (QEMU).</summary>
    public TimeSpan DowntimeLimit { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The round limit. Default 30.</summary>
    public int MaxRounds { get; init; } = 30;

    /// <summary>Auto-converge on or off. Default off.</summary>
    public bool AutoConverge { get; init; }

    /// <summary>Hash and compare the state at the switchover (it adds to the pause). Default true.</summary>
    public bool VerifyState { get; init; } = true;

    /// <summary>Measure each dirty rate twice, over plain text and over mutual TLS (a throw-away CA), one after the other. Default off.</summary>
    public bool CompareTls { get; init; }

    /// <summary>How long the workload runs before each move. Default 200 ms.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromMilliseconds(200);
}
