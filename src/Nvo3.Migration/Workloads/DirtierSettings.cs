namespace Nvo3.Migration;

/// <summary>How hard an emulated workload works.</summary>
public sealed record DirtierSettings
{
    /// <summary>
    /// Memory dirtied per second, counted in whole pages as QEMU's dirty rate counts them: each
    /// write changes <see cref="MemoryWriteBytes"/> random bytes in one random page and counts as
    /// 4 KiB. Default 10 MB/s.
    /// </summary>
    public double MemoryRate { get; init; } = 10_000_000;

    /// <summary>Random bytes each memory write changes inside its page. Default 64.</summary>
    public int MemoryWriteBytes { get; init; } = 64;

    /// <summary>Disk bytes written per second, in whole random blocks of random bytes. Default 0.</summary>
    public double DiskRate { get; init; }

    /// <summary>How often it wakes to write what its rates owe. Default 5 ms.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest gap it makes up for after a stall, so that a late wake-up writes no burst. Default 100 ms.</summary>
    public TimeSpan MaxCatchUp { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Seed of its random choices.</summary>
    public int Seed { get; init; } = 1;
}
