using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Mobility.Emulated;

/// <summary>A workload on its way to a host: who it is, which move brings it, and what the host must make ready for it.</summary>
/// <param name="Workload">Its name.</param>
/// <param name="Vni">Its network.</param>
/// <param name="Mac">Its MAC.</param>
/// <param name="Ips">Its addresses.</param>
/// <param name="MigrationId">The NVA's record of the move.</param>
public sealed record Arrival(string Workload, uint Vni, MacAddress Mac, IReadOnlyList<IpAddr> Ips, string MigrationId)
{
    /// <summary>Its kind (emulated or qemu): which host of the destination's process takes it. Default emulated.</summary>
    public string Kind { get; init; } = "emulated";

    /// <summary>How it moves.</summary>
    public MigrationMode Mode { get; init; } = MigrationMode.Hot;

    /// <summary>A QEMU guest's memory, MiB (the destination starts the same device model).</summary>
    public int MemoryMiB { get; init; }

    /// <summary>A QEMU guest's disk, MiB (0: none).</summary>
    public int DiskMiB { get; init; }

    /// <summary>Auto-converge, as the source has it.</summary>
    public bool AutoConverge { get; init; }

    /// <summary>The arrival of <paramref name="move"/>'s workload.</summary>
    public static Arrival Of(Move move) =>
        new(move.Request.Workload, move.Request.Vni, move.Request.Mac, move.Request.Ips, move.Record?.Id ?? "") { Mode = move.Request.Mode };
}
