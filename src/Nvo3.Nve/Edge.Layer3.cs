using System.Buffers.Binary;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    // Layer 3 (DESIGN 6): every NVE is the same anycast gateway (one IP and MAC per subnet) and
    // answers ARP and NS for every address of the network with that MAC, so a VM's neighbor
    // entries never go stale after a move. IP packets travel in VXLAN-GPE without their Ethernet
    // header; IPv6 destinations are rewritten SIR→ILA on the way out and back on the way in.

    // True when the frame was handled here (the caller is done with it).
    private void FromTenantLayer3(LocalPort port, EthernetFrame eth, FrameBatch batch, int i, byte[] scratch)
    {
        var network = port.Network!;
        var gatewayMac = GatewayMac(network);
        switch (eth.EtherType)
        {
            case EtherType.Arp:
                ArpFromTenantLayer3(port, eth, gatewayMac, scratch);
                return;
            case EtherType.Rarp:
                RarpFromTenant(port, eth);
                return;
            case EtherType.IPv4:
            case EtherType.IPv6:
                break;
            default:
                Counters.AddDrop(DropReason.Unsupported);
                return;
        }
        bool v6 = eth.EtherType == EtherType.IPv6;
        IpAddr source;
        int ipLength;
        if (v6)
        {
            if (!IPv6Packet.TryParse(eth.Payload, out var ip6, out _))
            {
                Counters.AddDrop(DropReason.Malformed);
                return;
            }
            source = ip6.Source;
            ipLength = ip6.Bytes.Length;
            if (!port.Owns(source) && !source.IsV6LinkLocal && !source.IsUnspecified)
            {
                bool advertisement = ip6.NextHeader == IpProtocol.IcmpV6 && ip6.Payload.Length > 0 && ip6.Payload[0] == IcmpV6Packet.TypeNeighborAdvertisement;
                Counters.AddDrop(advertisement ? DropReason.ForeignClaim : DropReason.SourceGuard);
                return;
            }
            if (ip6.NextHeader == IpProtocol.IcmpV6 && NeighborFromTenantLayer3(port, eth, ip6, gatewayMac, scratch))
            {
                return;
            }
            if (source.IsV6LinkLocal || source.IsUnspecified)
            {
                Counters.AddDrop(DropReason.Unsupported); // link-local traffic stays on the link
                return;
            }
        }
        else
        {
            if (!IPv4Packet.TryParse(eth.Payload, out var ip4, out _))
            {
                Counters.AddDrop(DropReason.Malformed);
                return;
            }
            source = ip4.Source;
            ipLength = ip4.Bytes.Length;
            if (!port.Owns(source))
            {
                Counters.AddDrop(DropReason.SourceGuard);
                return;
            }
        }
        if (eth.Destination != gatewayMac)
        {
            // No broadcast domain in a Layer-3 network: what is not for the gateway goes nowhere.
            Counters.AddDrop(DropReason.Unsupported);
            return;
        }
        if (port.State != PortState.Active)
        {
            Counters.AddDrop(DropReason.NotHere);
            return;
        }
        // The gateway is a router: the packet's TTL or hop limit goes down by one (once, at the
        // first NVE; the overlay behind it is one hop), and at zero the sender hears why.
        int ipOffset = FrameBatch.Headroom + EthernetFrame.HeaderLength;
        var packet = batch.Buffer(i).AsSpan(ipOffset, ipLength);
        if (ToGateway(port, network, gatewayMac, packet, scratch))
        {
            return;
        }
        if (!IpForwarding.TryDecrementHopLimit(packet))
        {
            Counters.AddDrop(DropReason.HopLimitExceeded);
            if (!IsIcmpError(packet))
            {
                GatewayError(port.Vni, network, packet, scratch, timeExceeded: true);
            }
            return;
        }
        Route(port.Vni, network, batch.Buffer(i), ipOffset, ipLength, null);
    }

    // A packet for the gateway's own address: an echo request is answered, as routers do;
    // anything else has no service behind it and is dropped. False when the packet is not for it.
    private bool ToGateway(LocalPort port, VirtualNetwork network, MacAddress gatewayMac, ReadOnlySpan<byte> packet, byte[] scratch)
    {
        bool v6 = packet[0] >> 4 == 6;
        var destination = v6 ? IpAddr.ReadV6(packet[24..]) : IpAddr.ReadV4(packet[16..]);
        if (!IsGateway(network, destination))
        {
            return false;
        }
        int n = 0;
        if (v6)
        {
            if (IPv6Packet.TryParse(packet, out var ip6, out _) && ip6.NextHeader == IpProtocol.IcmpV6
                && IcmpV6Packet.TryParse(ip6.Payload, out var echo, out _) && echo.Type == IcmpV6Packet.TypeEchoRequest)
            {
                n = IcmpV6Writer.WriteEchoFrame(scratch, port.Mac, gatewayMac, destination, ip6.Source, true, echo.Identifier, echo.SequenceNumber, echo.Body);
            }
        }
        else if (IPv4Packet.TryParse(packet, out var ip4, out _) && ip4.Protocol == IpProtocol.Icmp
            && IcmpV4Packet.TryParse(ip4.Payload, out var echo, out _) && echo.Type == IcmpV4Packet.TypeEchoRequest)
        {
            n = IcmpV4Writer.WriteEchoFrame(scratch, port.Mac, gatewayMac, destination, ip4.Source, true, echo.Identifier, echo.SequenceNumber, echo.Body);
        }
        if (n == 0)
        {
            Counters.AddDrop(DropReason.UnknownDestination);
            return true;
        }
        SendToPort(port, scratch.AsSpan(0, n));
        Counters.AddToTenant();
        return true;
    }

    // ICMP errors never answer ICMP errors (RFC 1122 3.2.2, RFC 4443 2.4).
    private static bool IsIcmpError(ReadOnlySpan<byte> packet)
    {
        if (packet[0] >> 4 == 6)
        {
            return packet.Length > IPv6Packet.HeaderLength && packet[6] == IpProtocol.IcmpV6 && packet[IPv6Packet.HeaderLength] < 128;
        }
        int header = (packet[0] & 0x0F) * 4;
        return packet.Length > header && packet[9] == IpProtocol.Icmp
            && packet[header] is not (IcmpV4Packet.TypeEchoRequest or IcmpV4Packet.TypeEchoReply);
    }

    private void ArpFromTenantLayer3(LocalPort port, EthernetFrame eth, MacAddress gatewayMac, byte[] scratch)
    {
        if (!ArpPacket.TryParse(eth.Payload, out var arp, out _))
        {
            Counters.AddDrop(DropReason.Malformed);
            return;
        }
        if (arp.SenderMac != port.Mac || (!port.Owns(arp.SenderIp) && arp.SenderIp.V4Value != 0 && !arp.IsGratuitous))
        {
            Counters.AddDrop(DropReason.SourceGuard);
            return;
        }
        if (arp.IsGratuitous)
        {
            Announced(port, MoveTrigger.Garp, arp.SenderIp);
            return;
        }
        if (arp.Operation != ArpOperation.Request)
        {
            return;
        }
        var target = arp.TargetIp;
        bool known = IsGateway(port.Network!, target) || _ipIndex.ContainsKey((port.Vni, target));
        if (!known || (arp.IsProbe && port.Owns(target)))
        {
            if (!known)
            {
                Counters.AddDrop(DropReason.UnknownAddress);
            }
            return;
        }
        // Every address answers with the gateway's MAC: the VM sends everything to its NVE.
        int n = ArpWriter.WriteReplyFrame(scratch, gatewayMac, target, port.Mac, arp.IsProbe ? IpAddr.V4Any : arp.SenderIp);
        SendToPort(port, scratch.AsSpan(0, n));
        Counters.AddArpReply();
    }

    // True when it was Neighbor Discovery (handled here); false for other ICMPv6, to be routed.
    private bool NeighborFromTenantLayer3(LocalPort port, EthernetFrame eth, IPv6Packet ip6, MacAddress gatewayMac, byte[] scratch)
    {
        var payload = ip6.Payload;
        if (payload.Length < IcmpV6Packet.HeaderLength)
        {
            Counters.AddDrop(DropReason.Malformed);
            return true;
        }
        switch (payload[0])
        {
            case IcmpV6Packet.TypeNeighborSolicitation:
            case IcmpV6Packet.TypeNeighborAdvertisement:
                break;
            case IcmpV6Packet.TypeRouterSolicitation or 130 or 131 or 132 or 143:
                Counters.AddDrop(DropReason.Unsupported);
                return true;
            default:
                return false;
        }
        if (!NeighborMessage.TryParse(payload, ip6.HopLimit, ip6.Source, ip6.Destination, out var nd, out _))
        {
            Counters.AddDrop(DropReason.Malformed);
            return true;
        }
        var target = nd.Target;
        if (nd.IsAdvertisement)
        {
            if (!nd.Solicited)
            {
                Announced(port, MoveTrigger.Na, target);
            }
            return true;
        }
        bool known = IsGateway(port.Network!, target) || (_ipIndex.TryGetValue((port.Vni, target), out var owner) && owner != port.Mac);
        if (!known)
        {
            if (!ip6.Source.IsUnspecified && !port.Owns(target))
            {
                Counters.AddDrop(DropReason.UnknownAddress);
            }
            return true; // DAD for its own (or a free) address: no answer means free
        }
        // The directory says who holds it; in a Layer-3 network the answer is the gateway's MAC.
        int n = IcmpV6Writer.WriteNeighborAdvertisementFrame(scratch, gatewayMac, target, eth.Source, ip6.Source, router: IsGateway(port.Network!, target));
        SendToPort(port, scratch.AsSpan(0, n));
        Counters.AddNdReply();
        return true;
    }

    // Routes the IP packet at buffer[ipOffset..] (with at least 14 bytes of headroom in front) to
    // a local port or the NVE that hosts its destination. Never guesses: an unknown destination
    // is dropped and counted.
    private void Route(uint vni, VirtualNetwork network, byte[] buffer, int ipOffset, int ipLength, Peer? sender)
    {
        var packet = buffer.AsSpan(ipOffset, ipLength);
        var destination = packet[0] >> 4 == 6 ? IpAddr.ReadV6(packet[24..]) : IpAddr.ReadV4(packet[16..]);
        if (!_ipIndex.TryGetValue((vni, destination), out var mac))
        {
            Counters.AddDrop(DropReason.UnknownDestination);
            return;
        }
        if (_portsByKey.TryGetValue((vni, mac), out var local))
        {
            DeliverLayer3(local, buffer, ipOffset, ipLength, sender);
            return;
        }
        if (TryResolve(vni, mac, out var peer))
        {
            SendLayer3(network, buffer, ipOffset, ipLength, peer, vni);
            return;
        }
        // Wait for the location like Layer 2 does: queue the packet with a placeholder Ethernet header.
        EthernetWriter.Write(buffer.AsSpan(ipOffset - EthernetFrame.HeaderLength), mac, GatewayMac(network), packet[0] >> 4 == 6 ? EtherType.IPv6 : EtherType.IPv4);
        QueueForLookup(vni, mac, buffer, ipOffset - EthernetFrame.HeaderLength, EthernetFrame.HeaderLength + ipLength);
    }

    // VXLAN-GPE to the peer, the IPv6 destination rewritten to the peer's locator first (ILA).
    private void SendLayer3(VirtualNetwork network, byte[] buffer, int ipOffset, int ipLength, Peer peer, uint vni)
    {
        var packet = buffer.AsSpan(ipOffset, ipLength);
        bool v6 = packet[0] >> 4 == 6;
        if (v6 && network.IlaSirPrefix is { } sir)
        {
            if (peer.IlaLocator is not { } locator || !new IlaTranslation(sir, locator).TryTranslateDestination(packet, toIla: true, out _))
            {
                Counters.AddDrop(DropReason.IlaRefused);
                return;
            }
        }
        VxlanGpeHeader.Write(buffer.AsSpan(ipOffset - VxlanGpeHeader.Length), vni, v6 ? GpeNextProtocol.IPv6 : GpeNextProtocol.IPv4);
        if (_underlay.Send(buffer.AsSpan(ipOffset - VxlanGpeHeader.Length, VxlanGpeHeader.Length + ipLength), peer, FlowHash.ForIp(packet), gpe: true))
        {
            Counters.AddEncapsulated();
        }
        else
        {
            Counters.AddDrop(DropReason.SendFailed);
        }
    }

    private void FromUnderlayGpe(UnderlayBatch batch, int i, byte[] scratch)
    {
        var sender = _peers.BySender(batch.Sender(i), batch.SenderPort(i));
        if (sender is null)
        {
            Counters.AddDrop(DropReason.UnknownSender);
            return;
        }
        var datagram = batch.Datagram(i);
        if (!VxlanGpeHeader.TryParse(datagram, out var gpe, out var error))
        {
            Counters.AddDrop(error == PacketError.Truncated ? DropReason.Malformed : DropReason.BadVxlan);
            return;
        }
        uint vni = gpe.Vni;
        if (!_view.Networks.TryGetValue(vni, out var network) || network.Mode != NetworkMode.L3)
        {
            Counters.AddDrop(DropReason.UnknownVni);
            return;
        }
        if (gpe.NextProtocol == GpeNextProtocol.Ethernet)
        {
            Counters.AddDrop(DropReason.Unsupported);
            return;
        }
        int ipOffset = UnderlayBatch.Headroom + VxlanGpeHeader.Length;
        var buffer = batch.Buffer(i);
        var inner = buffer.AsSpan(ipOffset, batch.Length(i) - VxlanGpeHeader.Length);
        int ipLength;
        bool v6 = gpe.NextProtocol == GpeNextProtocol.IPv6;
        if (v6)
        {
            if (!IPv6Packet.TryParse(inner, out var ip6, out _))
            {
                Counters.AddDrop(DropReason.Malformed);
                return;
            }
            ipLength = ip6.Bytes.Length;
            if (network.IlaSirPrefix is { } sir)
            {
                // Only our own locator comes back to SIR here; anything else is not ours to guess about.
                if (Options.IlaLocator is not { } locator || !new IlaTranslation(sir, locator).TryTranslateDestination(inner[..ipLength], toIla: false, out _))
                {
                    Counters.AddDrop(DropReason.IlaRefused);
                    return;
                }
            }
        }
        else
        {
            if (!IPv4Packet.TryParse(inner, out var ip4, out _))
            {
                Counters.AddDrop(DropReason.Malformed);
                return;
            }
            ipLength = ip4.Bytes.Length;
        }
        Counters.AddDecapsulated();
        var packet = buffer.AsSpan(ipOffset, ipLength);
        var destination = v6 ? IpAddr.ReadV6(packet[24..]) : IpAddr.ReadV4(packet[16..]);
        if (!_ipIndex.TryGetValue((vni, destination), out var mac))
        {
            Counters.AddDrop(DropReason.UnknownDestination);
            return;
        }
        if (_portsByKey.TryGetValue((vni, mac), out var port))
        {
            DeliverLayer3(port, buffer, ipOffset, ipLength, sender, scratch);
            return;
        }
        if (!TryRedirectLayer3(network, vni, mac, buffer, ipOffset, ipLength, sender))
        {
            Counters.AddDrop(DropReason.NotHere);
        }
    }

    // Puts an Ethernet header (gateway → VM) in front of the packet and hands it over as the port's state says.
    private void DeliverLayer3(LocalPort port, byte[] buffer, int ipOffset, int ipLength, Peer? sender, byte[]? scratch = null)
    {
        var network = port.Network!;
        bool v6 = buffer[ipOffset] >> 4 == 6;
        int frameOffset = ipOffset - EthernetFrame.HeaderLength;
        EthernetWriter.Write(buffer.AsSpan(frameOffset), port.Mac, GatewayMac(network), v6 ? EtherType.IPv6 : EtherType.IPv4);
        var frame = buffer.AsSpan(frameOffset, EthernetFrame.HeaderLength + ipLength);
        switch (port.State)
        {
            case PortState.Active:
                SendToPort(port, frame);
                Counters.AddToTenant();
                return;
            case PortState.Pending:
                lock (port.Gate)
                {
                    if (port.State == PortState.Active)
                    {
                        SendToPort(port, frame);
                        Counters.AddToTenant();
                        return;
                    }
                    if (port.State == PortState.Pending)
                    {
                        if (port.Hold(frame, Now, Options.ActivationBufferFrames))
                        {
                            Counters.AddBuffered();
                        }
                        else
                        {
                            Counters.AddDrop(DropReason.ActivationBufferFull);
                        }
                        return;
                    }
                }
                break;
            default:
                break;
        }
        if (TryRedirectLayer3(network, port.Vni, port.Mac, buffer, ipOffset, ipLength, sender))
        {
            return;
        }
        if (port.State == PortState.Suspended && port.SuspendPolicy == SuspendPolicy.Unreachable && scratch is not null)
        {
            GatewayError(port.Vni, network, buffer.AsSpan(ipOffset, ipLength), scratch, timeExceeded: false);
            return;
        }
        Counters.AddDrop(DropReason.NotHere);
    }

    private bool TryRedirectLayer3(VirtualNetwork network, uint vni, MacAddress mac, byte[] buffer, int ipOffset, int ipLength, Peer? sender)
    {
        if (!Options.InflightForwarding || !_redirects.TryGetValue((vni, mac), out var redirect) || redirect.ExpiresTicks < Now)
        {
            return false;
        }
        if (sender is not null && sender.Name == redirect.Target.Name)
        {
            Counters.AddDrop(DropReason.RedirectLoop);
            return true;
        }
        SendLayer3(network, buffer, ipOffset, ipLength, redirect.Target, vni);
        Counters.AddForwardedInFlight();
        return true;
    }

    // Destination unreachable or time exceeded from the network's anycast gateway to whoever sent
    // the packet, routed like any other packet (through the sender's NVE).
    private void GatewayError(uint vni, VirtualNetwork network, ReadOnlySpan<byte> original, byte[] scratch, bool timeExceeded)
    {
        bool v6 = original[0] >> 4 == 6;
        var gateway = network.Gateways.FirstOrDefault(g => g.Ip.IsV6 == v6);
        if (gateway is null)
        {
            Counters.AddDrop(DropReason.NotHere);
            return;
        }
        var frame = scratch.AsSpan(FrameBatch.Headroom);
        int n = (v6, timeExceeded) switch
        {
            (true, false) => IcmpV6Writer.WriteDestinationUnreachableFrame(frame, MacAddress.Zero, gateway.Mac, gateway.Ip, IcmpV6Packet.CodeAddressUnreachable, original),
            (false, false) => IcmpV4Writer.WriteDestinationUnreachableFrame(frame, MacAddress.Zero, gateway.Mac, gateway.Ip, IcmpV4Packet.CodeHostUnreachable, original),
            (true, true) => IcmpV6Writer.WriteTimeExceededFrame(frame, MacAddress.Zero, gateway.Mac, gateway.Ip, original),
            (false, true) => IcmpV4Writer.WriteTimeExceededFrame(frame, MacAddress.Zero, gateway.Mac, gateway.Ip, original),
        };
        int ipOffset = FrameBatch.Headroom + EthernetFrame.HeaderLength;
        int ipLength = v6 ? IPv6Packet.HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(scratch.AsSpan(ipOffset + 4)) : BinaryPrimitives.ReadUInt16BigEndian(scratch.AsSpan(ipOffset + 2));
        if (!timeExceeded)
        {
            Counters.AddUnreachable();
        }
        Route(vni, network, scratch, ipOffset, Math.Min(ipLength, n - EthernetFrame.HeaderLength), null);
    }

    private static bool IsGateway(VirtualNetwork network, IpAddr ip)
    {
        foreach (var gateway in network.Gateways)
        {
            if (gateway.Ip == ip)
            {
                return true;
            }
        }
        return false;
    }

    private static MacAddress GatewayMac(VirtualNetwork network) =>
        network.Gateways.Count > 0 ? network.Gateways[0].Mac : VirtualNetwork.AnycastGatewayMac(network.Vni);
}
