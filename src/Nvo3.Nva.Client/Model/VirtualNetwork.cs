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
    /// <summary>The MAC every NVE answers for a Layer-3 network's anycast gateway: 02:4e:56 and the VNI.</summary>
    public static MacAddress AnycastGatewayMac(uint vni) => new(0x02_4E_56_00_00_00UL | vni);

    /// <summary>The gateway MAC of this network: its first gateway's, else <see cref="AnycastGatewayMac"/>.</summary>
    public MacAddress GatewayMac => Gateways.Count > 0 ? Gateways[0].Mac : AnycastGatewayMac(Vni);

    /// <summary>True when <paramref name="ip"/> is one of the network's gateway addresses.</summary>
    public bool IsGateway(IpAddr ip)
    {
        foreach (var gateway in Gateways)
        {
            if (gateway.Ip == ip)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when <paramref name="ip"/> lies in one of the subnets.</summary>
    public bool Contains(IpAddr ip) => Subnets.Any(s => s.Contains(ip));
}
