using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>A virtual network: a VNI, its subnets, and how long NVEs may cache its look-ups.</summary>
/// <param name="Vni">The 24-bit VXLAN network identifier.</param>
/// <param name="Name">A name for people.</param>
/// <param name="Mode">Layer 2 or Layer 3.</param>
/// <param name="Subnets">The IPv4 and IPv6 subnets; every tenant address lies in one.</param>
/// <param name="Gateways">Layer 3: the anycast gateways, one per subnet.</param>
/// <param name="CacheLifetime">How long an NVE in pull mode may use a look-up answer.</param>
/// <param name="IlaSirPrefix">Layer 3 with ILA: the SIR prefix (high 64 bits) of the network's IPv6 addresses.</param>
/// <param name="Deleting">
/// Set by <c>vn delete</c> before it removes the bindings: the network takes no new binding. It
/// stays set if the NVA stops half-way; running the delete again finishes it.
/// </param>
public sealed record VirtualNetwork(
    uint Vni,
    string Name,
    NetworkMode Mode,
    IReadOnlyList<IpPrefix> Subnets,
    IReadOnlyList<Gateway> Gateways,
    TimeSpan CacheLifetime,
    ulong? IlaSirPrefix = null,
    bool Deleting = false)
{
    /// <summary>True when <paramref name="ip"/> lies in one of the subnets.</summary>
    public bool Contains(IpAddr ip) => Subnets.Any(s => s.Contains(ip));
}
