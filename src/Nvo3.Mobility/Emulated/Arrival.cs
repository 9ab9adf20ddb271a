using Nvo3.Packets;

namespace Nvo3.Mobility.Emulated;

/// <summary>An emulated VM on its way to a host: who it is and which move brings it.</summary>
/// <param name="Workload">Its name.</param>
/// <param name="Vni">Its network.</param>
/// <param name="Mac">Its MAC.</param>
/// <param name="Ips">Its addresses.</param>
/// <param name="MigrationId">The NVA's record of the move.</param>
public sealed record Arrival(string Workload, uint Vni, MacAddress Mac, IReadOnlyList<IpAddr> Ips, string MigrationId)
{
    /// <summary>The arrival of <paramref name="move"/>'s workload.</summary>
    public static Arrival Of(Move move) =>
        new(move.Request.Workload, move.Request.Vni, move.Request.Mac, move.Request.Ips, move.Record?.Id ?? "");
}
