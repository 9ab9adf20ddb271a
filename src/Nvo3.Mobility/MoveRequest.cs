using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Mobility;

/// <summary>What moves, from where to where, and how.</summary>
/// <param name="Workload">Its name in the directory.</param>
/// <param name="Vni">Its binding's network.</param>
/// <param name="Mac">Its binding's MAC.</param>
/// <param name="Ips">Its addresses.</param>
/// <param name="Mode">Hot, warm, cold or hot standby.</param>
public sealed record MoveRequest(string Workload, uint Vni, MacAddress Mac, IReadOnlyList<IpAddr> Ips, MigrationMode Mode)
{
    /// <summary>
    /// A cold move's stopped task: what the old place does with its traffic until it runs
    /// elsewhere (drop, or destination unreachable in a Layer-3 network). Default drop.
    /// </summary>
    public SuspendPolicy Suspend { get; init; } = SuspendPolicy.Drop;

    /// <summary>
    /// True when the source forwards packets in flight from the switchover on (the default for every
    /// mode but cold, whose task is stopped); false suspends the source's port with <see cref="Suspend"/> instead.
    /// </summary>
    public bool Redirects { get; init; } = Mode != MigrationMode.Cold;
}
