using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// A frame from a tenant port (DESIGN 5, "From a tenant port"), for both layers: the source guard,
/// ARP, RARP and Neighbor Discovery answered here, then — once the port is active — switching by
/// MAC (Layer 2: a local port, a remote NVE, or every member for broadcast and multicast) or
/// routing by IP through the anycast gateway (Layer 3). The network is read from the live tables
/// for every frame, so a change to it applies at once.
/// </summary>
internal sealed class TenantPath(Func<ForwardingTables> tables, NeighborResponder neighbors, Forwarder forwarder, GatewayRouter router, NveCounters counters)
{
    /// <summary>Handles frame <paramref name="i"/> of <paramref name="batch"/>, read from <paramref name="port"/>; <paramref name="scratch"/> is the loop's own.</summary>
    public void FromTenant(LocalPort port, FrameBatch batch, int i, byte[] scratch)
    {
        var frame = batch.Frame(i);
        counters.AddFromTenant(frame.Length);
        if (!EthernetFrame.TryParse(frame, out var eth, out _))
        {
            counters.AddDrop(DropReason.Malformed, frame, DropLayer.Ethernet, port.Vni);
            return;
        }
        if (eth.Source != port.Mac)
        {
            counters.AddDrop(DropReason.SourceGuard, frame, DropLayer.Ethernet, port.Vni);
            return;
        }
        if (eth.HasVlanTag)
        {
            counters.AddDrop(DropReason.Unsupported, frame, DropLayer.Ethernet, port.Vni); // tenant interfaces are untagged; the VNI comes from the port
            return;
        }
        if (tables().Network(port.Vni) is not { } network)
        {
            counters.AddDrop(DropReason.UnknownVni, frame, DropLayer.Ethernet, port.Vni); // the network was deleted under the port
            return;
        }
        int ipLength = 0;
        switch (eth.EtherType)
        {
            case EtherType.Arp:
                if (!neighbors.Arp(port, network, eth, scratch))
                {
                    return;
                }
                break;
            case EtherType.Rarp:
                neighbors.Rarp(port, network, eth);
                return;
            case EtherType.IPv4:
                if (!IPv4Packet.TryParse(eth.Payload, out var ip4, out _))
                {
                    counters.AddDrop(DropReason.Malformed, frame, DropLayer.Ethernet, port.Vni);
                    return;
                }
                if (!port.Owns(ip4.Source))
                {
                    counters.AddDrop(DropReason.SourceGuard, frame, DropLayer.Ethernet, port.Vni);
                    return;
                }
                ipLength = ip4.Bytes.Length;
                break;
            case EtherType.IPv6:
                if (!IPv6Packet.TryParse(eth.Payload, out var ip6, out _))
                {
                    counters.AddDrop(DropReason.Malformed, frame, DropLayer.Ethernet, port.Vni);
                    return;
                }
                var source = ip6.Source;
                bool linkLocal = source.IsV6LinkLocal || source.IsUnspecified;
                if (!port.Owns(source) && !linkLocal)
                {
                    // An advertisement from an address that is not its own is a claim on it.
                    bool advertisement = ip6.NextHeader == IpProtocol.IcmpV6 && ip6.Payload.Length > 0 && ip6.Payload[0] == IcmpV6Packet.TypeNeighborAdvertisement;
                    counters.AddDrop(advertisement ? DropReason.ForeignClaim : DropReason.SourceGuard, frame, DropLayer.Ethernet, port.Vni);
                    return;
                }
                if (ip6.NextHeader == IpProtocol.IcmpV6 && !neighbors.IcmpV6(port, network, eth, ip6, scratch))
                {
                    return;
                }
                if (network.Layer3 && linkLocal)
                {
                    counters.AddDrop(DropReason.Unsupported, frame, DropLayer.Ethernet, port.Vni); // link-local traffic stays on the link
                    return;
                }
                ipLength = ip6.Bytes.Length;
                break;
            default:
                if (network.Layer3)
                {
                    counters.AddDrop(DropReason.Unsupported, frame, DropLayer.Ethernet, port.Vni); // a Layer-3 network carries IP only
                    return;
                }
                break;
        }
        if (port.State != PortState.Active)
        {
            counters.AddDrop(DropReason.NotHere, frame, DropLayer.Ethernet, port.Vni); // blocked until activated here, as OVN does; announcements were handled above
            return;
        }
        if (!network.Layer3)
        {
            Switch(port, network, eth.Destination, new Packet(batch.Buffer(i), FrameBatch.Headroom, frame.Length));
            return;
        }
        if (eth.Destination != network.GatewayMac || ipLength == 0)
        {
            counters.AddDrop(DropReason.Unsupported, frame, DropLayer.Ethernet, port.Vni); // no broadcast domain in a Layer-3 network: what is not for the gateway goes nowhere
            return;
        }
        router.Route(port, network, new Packet(batch.Buffer(i), FrameBatch.Headroom + EthernetFrame.HeaderLength, ipLength));
    }

    // Layer 2: broadcast and multicast to the members; unicast to the binding that has the MAC.
    private void Switch(LocalPort from, NetworkTable network, MacAddress destination, in Packet frame)
    {
        if (destination.IsMulticast)
        {
            forwarder.Replicate(network, from, frame.Span);
            return;
        }
        forwarder.ToBinding(network, destination, frame, sender: null);
    }
}
