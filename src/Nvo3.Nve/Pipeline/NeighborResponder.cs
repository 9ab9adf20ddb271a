using Microsoft.Extensions.Logging;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// ARP, RARP and Neighbor Discovery from tenants (DESIGN 5 steps 2–3), the same for both layers:
/// requests are answered here from the directory (no flood), announcements become mobility events,
/// and what a tenant says about addresses is checked against its own binding first. The answer is
/// the owner's MAC in a Layer-2 network and the anycast gateway's MAC in a Layer-3 one, so an L3
/// VM never learns another VM's MAC.
/// </summary>
internal sealed partial class NeighborResponder(
    string name,
    Activation activation,
    Forwarder forwarder,
    Delivery delivery,
    IDirectoryClient nva,
    NveCounters counters,
    ILogger logger,
    CancellationToken stop)
{
    /// <summary>The MAC the NVE answers RARP with (02:4e:56:ff:ff:fe).</summary>
    public static MacAddress ServerMac { get; } = new(0x02_4E_56_FF_FF_FEUL);

    /// <summary>An ARP frame from a tenant. True when it should still be forwarded (Layer 2: a gratuitous broadcast, a reply).</summary>
    public bool Arp(LocalPort port, NetworkTable network, EthernetFrame eth, byte[] scratch)
    {
        if (!ArpPacket.TryParse(eth.Payload, out var arp, out _))
        {
            counters.AddDrop(DropReason.Malformed);
            return false;
        }
        if (arp.SenderMac != port.Mac || (!port.Owns(arp.SenderIp) && arp.SenderIp.V4Value != 0 && !arp.IsGratuitous))
        {
            counters.AddDrop(DropReason.SourceGuard);
            return false;
        }
        if (arp.IsGratuitous)
        {
            return activation.Announced(port, MoveTrigger.Garp, arp.SenderIp)
                && !network.Layer3 && port.State == PortState.Active && eth.Destination.IsBroadcast;
        }
        if (arp.Operation != ArpOperation.Request)
        {
            return !network.Layer3; // a reply to a request some other system flooded
        }
        var target = arp.TargetIp;
        if (!TryAnswer(network, target, out var owner, out var answer))
        {
            counters.AddDrop(DropReason.UnknownAddress);
            return false;
        }
        if (owner == port.Mac)
        {
            return false; // its own address: free for a probe (RFC 5227), nothing to tell otherwise
        }
        int n = ArpWriter.WriteReplyFrame(scratch, answer, target, port.Mac, arp.IsProbe ? IpAddr.V4Any : arp.SenderIp);
        delivery.Reply(port, scratch.AsSpan(0, n));
        counters.AddArpReply();
        return false;
    }

    /// <summary>
    /// A RARP frame from a tenant: QEMU's announce after a live migration is a mobility event
    /// (repeated to a Layer-2 network's members, whose kernel bridges learn from it), and the same
    /// frame is RFC 903's question "what is my IP?", answered from the NVA.
    /// </summary>
    public void Rarp(LocalPort port, NetworkTable network, EthernetFrame eth)
    {
        if (!ArpPacket.TryParse(eth.Payload, out var rarp, out _) || rarp.Operation != ArpOperation.ReverseRequest)
        {
            counters.AddDrop(DropReason.Malformed);
            return;
        }
        if (rarp.SenderMac != port.Mac)
        {
            counters.AddDrop(DropReason.SourceGuard);
            return;
        }
        if (rarp.IsRarpAnnounce && activation.Announced(port, MoveTrigger.Rarp, null) && port.State == PortState.Active && !network.Layer3)
        {
            forwarder.Replicate(network, port, eth.Bytes);
        }
        _ = RarpReplyAsync(port, network, rarp.TargetMac);
    }

    /// <summary>An ICMPv6 message from a tenant. True when it should still be forwarded (anything but ND, MLD and, in Layer 3, router discovery).</summary>
    public bool IcmpV6(LocalPort port, NetworkTable network, EthernetFrame eth, IPv6Packet ip6, byte[] scratch)
    {
        var payload = ip6.Payload;
        if (payload.Length < IcmpV6Packet.HeaderLength)
        {
            counters.AddDrop(DropReason.Malformed);
            return false;
        }
        byte type = payload[0];
        if (IcmpV6Packet.IsMulticastListenerMessage(type)
            || (network.Layer3 && type is IcmpV6Packet.TypeRouterSolicitation or IcmpV6Packet.TypeRouterAdvertisement))
        {
            // Group membership stays on the link (the overlay replicates by network, not by group);
            // a Layer-3 network's only router is the gateway every NVE is.
            counters.AddDrop(DropReason.Unsupported);
            return false;
        }
        if (type is not (IcmpV6Packet.TypeNeighborSolicitation or IcmpV6Packet.TypeNeighborAdvertisement))
        {
            return true;
        }
        if (!NeighborMessage.TryParse(payload, ip6.HopLimit, ip6.Source, ip6.Destination, out var nd, out _))
        {
            counters.AddDrop(DropReason.Malformed);
            return false;
        }
        return nd.IsAdvertisement ? Advertisement(port, network, nd) : Solicitation(port, network, eth, ip6, nd, scratch);
    }

    // Every advertisement speaks for its sender only: the target is one of its addresses (or its
    // link-local one) and any link-layer address it gives is its own, solicited or not.
    private bool Advertisement(LocalPort port, NetworkTable network, NeighborMessage nd)
    {
        var target = nd.Target;
        if ((nd.TryGetTargetLinkLayer(out var given) && given != port.Mac) || (!port.Owns(target) && !target.IsV6LinkLocal))
        {
            counters.AddDrop(DropReason.ForeignClaim);
            return false;
        }
        if (nd.Solicited || !nd.Override)
        {
            // An answer to an NS some other system flooded, or an advertisement that does not ask to
            // override caches (RFC 4861 7.2.6): no mobility event.
            return !network.Layer3;
        }
        // Unsolicited: the VM announcing itself (to all-nodes, or its solicited-node group as the draft writes).
        return activation.Announced(port, MoveTrigger.Na, target) && !network.Layer3 && port.State == PortState.Active;
    }

    private bool Solicitation(LocalPort port, NetworkTable network, EthernetFrame eth, IPv6Packet ip6, NeighborMessage nd, byte[] scratch)
    {
        var target = nd.Target;
        bool dad = ip6.Source.IsUnspecified;
        if (!TryAnswer(network, target, out var owner, out var answer))
        {
            if (!dad)
            {
                counters.AddDrop(DropReason.UnknownAddress);
            }
            return false; // DAD for an address nobody holds: no answer means it is free
        }
        if (owner == port.Mac)
        {
            return false; // its own address (DAD: free)
        }
        // DAD for an address bound to another interface is defended, as its owner would (to all-nodes).
        int n = IcmpV6Writer.WriteNeighborAdvertisementFrame(scratch, answer, target, eth.Source, dad ? IpAddr.V6Any : ip6.Source,
            router: network.Layer3 && network.IsGateway(target));
        delivery.Reply(port, scratch.AsSpan(0, n));
        counters.AddNdReply();
        return false;
    }

    // Who holds the address (its owner's MAC; the gateway's MAC for a gateway address) and the MAC to answer with.
    private static bool TryAnswer(NetworkTable network, IpAddr target, out MacAddress owner, out MacAddress answer)
    {
        if (network.Layer3 && network.IsGateway(target))
        {
            owner = answer = network.GatewayMac;
            return true;
        }
        if (!network.TryGetOwner(target, out owner))
        {
            answer = default;
            return false;
        }
        answer = network.Layer3 ? network.GatewayMac : owner;
        return true;
    }

    private async Task RarpReplyAsync(LocalPort port, NetworkTable network, MacAddress asked)
    {
        try
        {
            counters.AddLookup();
            var result = await nva.LookupByMacAsync(port.Vni, asked, name, stop).ConfigureAwait(false);
            var ip = result.Binding?.Ips.FirstOrDefault(a => a.IsV4);
            if (ip is not { } address)
            {
                counters.AddDrop(DropReason.UnknownAddress);
                return;
            }
            var server = network.Network.Gateways.FirstOrDefault(g => g.Ip.IsV4)?.Ip ?? IpAddr.V4Any;
            var reply = new byte[EthernetFrame.MinimumFrameLength];
            ArpWriter.WriteRarpReplyFrame(reply, ServerMac, server, asked, address);
            if (port.Port.Send(reply))
            {
                counters.AddRarpReply();
            }
        }
        catch (NvaException ex)
        {
            counters.AddDrop(DropReason.LookupFailed);
            Log.LookupFailed(logger, name, asked, port.Vni, ex.Message);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(7, LogLevel.Debug, "NVE {Name}: RARP look-up of {Mac} (VNI {Vni}) failed: {Reason}")]
        public static partial void LookupFailed(ILogger logger, string name, MacAddress mac, uint vni, string reason);
    }
}
