namespace Nvo3.Packets.Tests;

/// <summary>
/// Runs every reader over bytes the way a dissector would, and checks what each one promises:
/// false comes with a reason, true with lengths that stay inside the input. Every property of
/// every view is read, so that an accessor that reaches past its span throws here.
/// </summary>
internal static class ReaderProbe
{
    private const int MaxDepth = 4;

    private static readonly IpAddr[] NeighborSources = [IpAddr.V6Any, Frames.VmIPv6];
    private static readonly IpAddr[] NeighborDestinations = [Frames.PeerIPv6.SolicitedNodeMulticast(), IpAddr.V6AllNodes, Frames.PeerIPv6];

    /// <summary>Every reader on <paramref name="data"/> as it is, then a dissection from each layer it could start at.</summary>
    public static void ProbeAll(ReadOnlySpan<byte> data)
    {
        Arp(data);
        Vxlan(data, out _);
        Gpe(data, out _);
        foreach (var source in NeighborSources)
        {
            foreach (var destination in NeighborDestinations)
            {
                Neighbor(data, 255, source, destination);
            }
        }
        Assert.InRange(FlowHash.ForEthernet(data), FlowHash.MinPort, ushort.MaxValue);
        Assert.InRange(FlowHash.ForIp(data), FlowHash.MinPort, ushort.MaxValue);
        DissectFrame(data, 0);
        DissectIPv4(data, 0);
        DissectIPv6(data, 0);
        foreach (byte protocol in (ReadOnlySpan<byte>)[IpProtocol.Tcp, IpProtocol.Udp, IpProtocol.Icmp, IpProtocol.IcmpV6])
        {
            DissectTransport(protocol, Frames.VmIPv4, Frames.PeerIPv4, 64, data, 0);
            DissectTransport(protocol, Frames.VmIPv6, Frames.PeerIPv6, 255, data, 0);
        }
    }

    public static void DissectFrame(ReadOnlySpan<byte> frame, int depth)
    {
        if (depth > MaxDepth || !Ethernet(frame, out var eth))
        {
            return;
        }
        switch (eth.EtherType)
        {
            case EtherType.Arp or EtherType.Rarp:
                Arp(eth.Payload);
                break;
            case EtherType.IPv4:
                DissectIPv4(eth.Payload, depth);
                break;
            case EtherType.IPv6:
                DissectIPv6(eth.Payload, depth);
                break;
        }
        Underlay(frame);
    }

    private static void DissectIPv4(ReadOnlySpan<byte> packet, int depth)
    {
        if (IPv4(packet, out var ip))
        {
            DissectTransport(ip.Protocol, ip.Source, ip.Destination, ip.Ttl, ip.Payload, depth);
        }
    }

    private static void DissectIPv6(ReadOnlySpan<byte> packet, int depth)
    {
        if (IPv6(packet, out var ip))
        {
            DissectTransport(ip.NextHeader, ip.Source, ip.Destination, ip.HopLimit, ip.Payload, depth);
        }
    }

    private static void DissectTransport(byte protocol, IpAddr source, IpAddr destination, byte hopLimit, ReadOnlySpan<byte> l4, int depth)
    {
        switch (protocol)
        {
            case IpProtocol.Tcp:
                Tcp(l4, source, destination);
                break;
            case IpProtocol.Udp when Udp(l4, source, destination, out var udp):
                if (udp.DestinationPort == VxlanHeader.UdpPort && Vxlan(udp.Payload, out var vxlan))
                {
                    DissectFrame(vxlan.Inner, depth + 1);
                }
                else if (udp.DestinationPort == VxlanGpeHeader.UdpPort && Gpe(udp.Payload, out var gpe))
                {
                    switch (gpe.NextProtocol)
                    {
                        case GpeNextProtocol.IPv4:
                            DissectIPv4(gpe.Inner, depth + 1);
                            break;
                        case GpeNextProtocol.IPv6:
                            DissectIPv6(gpe.Inner, depth + 1);
                            break;
                        default:
                            DissectFrame(gpe.Inner, depth + 1);
                            break;
                    }
                }
                break;
            case IpProtocol.Icmp when IcmpV4(l4, out var icmp) && icmp.Type == IcmpV4Packet.TypeDestinationUnreachable && depth < MaxDepth:
                DissectIPv4(icmp.Body, depth + 1);
                break;
            case IpProtocol.IcmpV6 when IcmpV6(l4, source, destination, out var icmp6):
                if (icmp6.Type == IcmpV6Packet.TypeDestinationUnreachable && depth < MaxDepth)
                {
                    DissectIPv6(icmp6.Body, depth + 1);
                }
                else if (icmp6.Type is IcmpV6Packet.TypeNeighborSolicitation or IcmpV6Packet.TypeNeighborAdvertisement)
                {
                    Neighbor(l4, hopLimit, source, destination);
                }
                break;
        }
    }

    private static void Reason(bool parsed, PacketError error)
    {
        if (parsed)
        {
            Assert.Equal(PacketError.None, error);
        }
        else
        {
            Assert.NotEqual(PacketError.None, error);
        }
    }

    private static bool Ethernet(ReadOnlySpan<byte> data, out EthernetFrame eth)
    {
        bool parsed = EthernetFrame.TryParse(data, out eth, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.Equal(eth.HasVlanTag ? EthernetFrame.TaggedHeaderLength : EthernetFrame.HeaderLength, eth.Length);
            Assert.Equal(data.Length, eth.Bytes.Length);
            Assert.Equal(data.Length - eth.Length, eth.Payload.Length);
            Assert.InRange(eth.VlanId, 0, 0xFFF);
            Assert.InRange(eth.Priority, 0, 7);
            _ = eth.Destination.IsMulticast;
            _ = eth.Source.IsBroadcast;
            _ = eth.EtherType;
        }
        return parsed;
    }

    private static void Arp(ReadOnlySpan<byte> data)
    {
        bool parsed = ArpPacket.TryParse(data, out var arp, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.True(data.Length >= ArpPacket.Length);
            Assert.InRange((int)arp.Operation, 1, 4);
            _ = arp.SenderMac;
            _ = arp.TargetMac;
            Assert.True(arp.SenderIp.IsV4 && arp.TargetIp.IsV4);
            _ = arp.IsGratuitous || arp.IsProbe || arp.IsRarpAnnounce;
        }
    }

    private static bool IPv4(ReadOnlySpan<byte> data, out IPv4Packet ip)
    {
        bool parsed = IPv4Packet.TryParse(data, out ip, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.InRange(ip.HeaderLength, IPv4Packet.MinHeaderLength, 60);
            Assert.InRange(ip.TotalLength, ip.HeaderLength, data.Length);
            Assert.Equal(ip.TotalLength, ip.Bytes.Length);
            Assert.Equal(ip.HeaderLength, ip.Header.Length);
            Assert.Equal(ip.TotalLength - ip.HeaderLength, ip.Payload.Length);
            Assert.Equal(ip.MoreFragments || ip.FragmentOffset != 0, ip.IsFragment);
            _ = ip.IsHeaderChecksumValid;
            _ = ip.HeaderChecksum + ip.Identification + ip.Ttl + ip.TypeOfService + ip.Protocol;
            _ = ip.DontFragment;
            Assert.True(ip.Source.IsV4 && ip.Destination.IsV4);
        }
        return parsed;
    }

    private static bool IPv6(ReadOnlySpan<byte> data, out IPv6Packet ip)
    {
        bool parsed = IPv6Packet.TryParse(data, out ip, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.Equal(IPv6Packet.HeaderLength + ip.PayloadLength, ip.Bytes.Length);
            Assert.True(ip.Bytes.Length <= data.Length);
            Assert.Equal(ip.PayloadLength, ip.Payload.Length);
            Assert.InRange(ip.FlowLabel, 0u, 0xF_FFFFu);
            _ = ip.TrafficClass + ip.HopLimit + ip.NextHeader;
            Assert.True(ip.Source.IsV6 && ip.Destination.IsV6);
        }
        return parsed;
    }

    private static bool IcmpV4(ReadOnlySpan<byte> data, out IcmpV4Packet icmp)
    {
        bool parsed = IcmpV4Packet.TryParse(data, out icmp, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.Equal(data.Length - IcmpV4Packet.HeaderLength, icmp.Body.Length);
            _ = icmp.Type + icmp.Code + icmp.Checksum + icmp.Identifier + icmp.SequenceNumber;
            _ = icmp.IsChecksumValid;
        }
        return parsed;
    }

    private static bool IcmpV6(ReadOnlySpan<byte> data, IpAddr source, IpAddr destination, out IcmpV6Packet icmp)
    {
        bool parsed = IcmpV6Packet.TryParse(data, out icmp, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.Equal(data.Length, icmp.Bytes.Length);
            Assert.Equal(data.Length - IcmpV6Packet.HeaderLength, icmp.Body.Length);
            _ = icmp.Type + icmp.Code + icmp.Checksum + icmp.Identifier + icmp.SequenceNumber;
            _ = icmp.IsChecksumValid(source, destination);
        }
        return parsed;
    }

    private static void Neighbor(ReadOnlySpan<byte> data, byte hopLimit, IpAddr source, IpAddr destination)
    {
        bool parsed = NeighborMessage.TryParse(data, hopLimit, source, destination, out var nd, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.True(data.Length >= NeighborMessage.FixedLength);
            Assert.Equal(255, hopLimit);
            Assert.NotEqual(nd.IsSolicitation, nd.IsAdvertisement);
            Assert.False(nd.Target.IsMulticast);
            Assert.Equal((byte)((nd.Router ? 0x80 : 0) | (nd.Solicited ? 0x40 : 0) | (nd.Override ? 0x20 : 0)), nd.FlagBits);
            Assert.False(nd.IsSolicitation && nd.FlagBits != 0);
            Assert.False(nd.IsSolicitation && source.IsUnspecified && nd.TryGetSourceLinkLayer(out _));
            Assert.False(nd.Solicited && destination.IsMulticast);
            _ = nd.TryGetSourceLinkLayer(out _);
            _ = nd.TryGetTargetLinkLayer(out _);
        }
    }

    private static bool Udp(ReadOnlySpan<byte> data, IpAddr source, IpAddr destination, out UdpDatagram udp)
    {
        bool parsed = UdpDatagram.TryParse(data, out udp, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.InRange(udp.Length, UdpDatagram.HeaderLength, data.Length);
            Assert.Equal(udp.Length, udp.Bytes.Length);
            Assert.Equal(udp.Length - UdpDatagram.HeaderLength, udp.Payload.Length);
            _ = udp.SourcePort + udp.DestinationPort + udp.Checksum;
            _ = udp.IsChecksumValid(source, destination);
        }
        return parsed;
    }

    private static void Tcp(ReadOnlySpan<byte> data, IpAddr source, IpAddr destination)
    {
        bool parsed = TcpSegment.TryParse(data, out var tcp, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.InRange(tcp.HeaderLength, TcpSegment.MinHeaderLength, Math.Min(60, data.Length));
            Assert.Equal(data.Length, tcp.Bytes.Length);
            Assert.Equal(tcp.HeaderLength - TcpSegment.MinHeaderLength, tcp.Options.Length);
            Assert.Equal(data.Length - tcp.HeaderLength, tcp.Payload.Length);
            _ = tcp.SourcePort + tcp.DestinationPort + tcp.SequenceNumber + tcp.AcknowledgmentNumber + tcp.Window + tcp.Checksum + tcp.UrgentPointer;
            _ = tcp.Flags;
            _ = tcp.TryGetMss(out _);
            _ = tcp.TryGetWindowScale(out _);
            _ = tcp.SackPermitted;
            _ = tcp.TryGetTimestamps(out _, out _);
            _ = tcp.IsChecksumValid(source, destination);
        }
    }

    private static bool Vxlan(ReadOnlySpan<byte> data, out VxlanHeader vxlan)
    {
        bool parsed = VxlanHeader.TryParse(data, out vxlan, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.Equal(data.Length - VxlanHeader.Length, vxlan.Inner.Length);
            Assert.InRange(vxlan.Vni, 0u, VxlanHeader.MaxVni);
        }
        return parsed;
    }

    private static bool Gpe(ReadOnlySpan<byte> data, out VxlanGpeHeader gpe)
    {
        bool parsed = VxlanGpeHeader.TryParse(data, out gpe, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            Assert.Equal(data.Length - VxlanGpeHeader.Length, gpe.Inner.Length);
            Assert.InRange(gpe.Vni, 0u, VxlanHeader.MaxVni);
            Assert.Contains(gpe.NextProtocol, (GpeNextProtocol[])[GpeNextProtocol.IPv4, GpeNextProtocol.IPv6, GpeNextProtocol.Ethernet]);
            Assert.Equal(VxlanGpeHeader.FlagI | VxlanGpeHeader.FlagP, gpe.Flags & (VxlanGpeHeader.FlagI | VxlanGpeHeader.FlagP));
        }
        return parsed;
    }

    private static void Underlay(ReadOnlySpan<byte> frame)
    {
        bool parsed = UnderlayFrame.TryParse(frame, out var underlay, out var error);
        Reason(parsed, error);
        if (parsed)
        {
            int headers = EthernetFrame.HeaderLength + (underlay.Source.IsV6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength) + UdpDatagram.HeaderLength;
            Assert.InRange(underlay.UdpPayload.Length, 0, frame.Length - headers);
            Assert.Equal(underlay.Source.IsV6, underlay.Destination.IsV6);
            _ = underlay.SourcePort + underlay.DestinationPort;
        }
    }
}
