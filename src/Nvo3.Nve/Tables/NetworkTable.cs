using System.Collections.Frozen;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// One virtual network as the data path reads it: its record, how it is carried, which binding
/// owns each address, and which NVEs host its active bindings. Immutable: the directory sync builds
/// a new one when the network or one of its bindings changes and swaps it in whole.
/// </summary>
internal sealed class NetworkTable
{
    private readonly FrozenDictionary<IpAddr, MacAddress> _owners;

    public NetworkTable(VirtualNetwork network, FrozenDictionary<IpAddr, MacAddress> owners, Peer[] members)
    {
        Network = network;
        _owners = owners;
        Members = members;
        Encapsulation = network.Mode == NetworkMode.L3 ? GpeIp.Instance : VxlanEthernet.Instance;
        GatewayMac = network.GatewayMac;
    }

    /// <summary>The directory's record.</summary>
    public VirtualNetwork Network { get; }

    /// <summary>Its VNI.</summary>
    public uint Vni => Network.Vni;

    /// <summary>True for a Layer-3 network: routed by IP, carried in VXLAN-GPE without Ethernet.</summary>
    public bool Layer3 => Network.Mode == NetworkMode.L3;

    /// <summary>What its packets on their way start with, for a traced drop.</summary>
    public DropLayer InnerLayer => Layer3 ? DropLayer.Ip : DropLayer.Ethernet;

    /// <summary>How its packets travel between NVEs.</summary>
    public Encapsulation Encapsulation { get; }

    /// <summary>The anycast gateway's MAC (Layer 3): the only MAC its VMs ever see besides their own.</summary>
    public MacAddress GatewayMac { get; }

    /// <summary>The other NVEs that host an active binding of it: where head-end replication sends copies.</summary>
    public Peer[] Members { get; }

    /// <summary>Every address the directory binds in it, with its owner.</summary>
    public IReadOnlyDictionary<IpAddr, MacAddress> Owners => _owners;

    /// <summary>The MAC of the binding that owns <paramref name="ip"/>.</summary>
    public bool TryGetOwner(IpAddr ip, out MacAddress mac) => _owners.TryGetValue(ip, out mac);

    /// <summary>True when <paramref name="ip"/> is one of the network's gateway addresses.</summary>
    public bool IsGateway(IpAddr ip) => Network.IsGateway(ip);
}
