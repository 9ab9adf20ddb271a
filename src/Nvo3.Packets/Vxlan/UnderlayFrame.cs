namespace Nvo3.Packets;

/// <summary>
/// A whole underlay frame as a capture sees it: Ethernet, IPv4 or IPv6, UDP, and a VXLAN or
/// VXLAN-GPE header chosen by the UDP destination port. Readers of captures and tests use it;
/// the NVE itself receives from a UDP socket and starts at the VXLAN header.
/// </summary>
public readonly ref struct UnderlayFrame
{
    private UnderlayFrame(IpAddr source, IpAddr destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> udpPayload)
    {
        Source = source;
        Destination = destination;
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        UdpPayload = udpPayload;
    }

    /// <summary>Outer source address.</summary>
    public IpAddr Source { get; }

    /// <summary>Outer destination address.</summary>
    public IpAddr Destination { get; }

    /// <summary>Outer UDP source port.</summary>
    public ushort SourcePort { get; }

    /// <summary>Outer UDP destination port (4789 VXLAN, 4790 VXLAN-GPE).</summary>
    public ushort DestinationPort { get; }

    /// <summary>The UDP payload: a VXLAN or VXLAN-GPE header and what it carries.</summary>
    public ReadOnlySpan<byte> UdpPayload { get; }

    /// <summary>
    /// Reads Ethernet, IP and UDP headers of an underlay frame. Refuses frames that are not IPv4 or
    /// IPv6, IPv4 fragments and packets whose (first) next header is not UDP as
    /// <see cref="PacketError.Unsupported"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out UnderlayFrame underlay, out PacketError error)
    {
        underlay = default;
        if (!EthernetFrame.TryParse(frame, out var eth, out error))
        {
            return false;
        }
        IpAddr src, dst;
        ReadOnlySpan<byte> l4;
        byte protocol;
        if (eth.EtherType == EtherType.IPv4)
        {
            if (!IPv4Packet.TryParse(eth.Payload, out var ip, out error))
            {
                return false;
            }
            if (ip.IsFragment)
            {
                // A fragment holds no whole UDP datagram (a later one no UDP header at all), and
                // VTEPs do not fragment (RFC 7348 section 4.3).
                error = PacketError.Unsupported;
                return false;
            }
            src = ip.Source;
            dst = ip.Destination;
            protocol = ip.Protocol;
            l4 = ip.Payload;
        }
        else if (eth.EtherType == EtherType.IPv6)
        {
            if (!IPv6Packet.TryParse(eth.Payload, out var ip, out error))
            {
                return false;
            }
            src = ip.Source;
            dst = ip.Destination;
            protocol = ip.NextHeader;
            l4 = ip.Payload;
        }
        else
        {
            error = PacketError.Unsupported;
            return false;
        }
        if (protocol != IpProtocol.Udp)
        {
            error = PacketError.Unsupported;
            return false;
        }
        if (!UdpDatagram.TryParse(l4, out var udp, out error))
        {
            return false;
        }
        underlay = new UnderlayFrame(src, dst, udp.SourcePort, udp.DestinationPort, udp.Payload);
        return true;
    }

    /// <summary>
    /// Writes a whole underlay frame: Ethernet, IPv4 or IPv6 (by address family), UDP with its
    /// checksum, then <paramref name="udpPayload"/> (a VXLAN or GPE header and what it carries).
    /// Returns its length.
    /// </summary>
    public static int Write(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source, IpAddr target,
        ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> udpPayload) =>
        UdpWriter.WriteFrame(destination, ethDst, ethSrc, source, target, sourcePort, destinationPort, udpPayload);

    /// <summary>
    /// Writes a whole VXLAN underlay frame around <paramref name="inner"/>, the source port from
    /// the inner flow hash; returns its length. Writes the VXLAN header and the inner frame in place
    /// (no copy through a temporary buffer).
    /// </summary>
    public static int WriteVxlan(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source, IpAddr target, uint vni, ReadOnlySpan<byte> inner)
    {
        int ipHeader = source.IsV6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;
        int payloadAt = EthernetFrame.HeaderLength + ipHeader + UdpDatagram.HeaderLength;
        int payloadLength = VxlanHeader.Length + inner.Length;
        if (destination.Length < payloadAt + payloadLength)
        {
            ThrowHelper.ThrowDestinationTooShort(payloadAt + payloadLength, destination.Length);
        }
        VxlanHeader.Write(destination[payloadAt..], vni);
        inner.CopyTo(destination[(payloadAt + VxlanHeader.Length)..]);
        return WriteHeadersInPlace(destination, ethDst, ethSrc, source, target, FlowHash.ForEthernet(inner), VxlanHeader.UdpPort, payloadLength);
    }

    /// <summary>Writes a whole VXLAN-GPE underlay frame around an inner IP packet or Ethernet frame; returns its length.</summary>
    public static int WriteVxlanGpe(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source, IpAddr target, uint vni,
        GpeNextProtocol nextProtocol, ReadOnlySpan<byte> inner)
    {
        int ipHeader = source.IsV6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;
        int payloadAt = EthernetFrame.HeaderLength + ipHeader + UdpDatagram.HeaderLength;
        int payloadLength = VxlanGpeHeader.Length + inner.Length;
        if (destination.Length < payloadAt + payloadLength)
        {
            ThrowHelper.ThrowDestinationTooShort(payloadAt + payloadLength, destination.Length);
        }
        VxlanGpeHeader.Write(destination[payloadAt..], vni, nextProtocol);
        inner.CopyTo(destination[(payloadAt + VxlanGpeHeader.Length)..]);
        ushort port = nextProtocol == GpeNextProtocol.Ethernet ? FlowHash.ForEthernet(inner) : FlowHash.ForIp(inner);
        return WriteHeadersInPlace(destination, ethDst, ethSrc, source, target, port, VxlanGpeHeader.UdpPort, payloadLength);
    }

    private static int WriteHeadersInPlace(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source, IpAddr target,
        ushort sourcePort, ushort destinationPort, int payloadLength)
    {
        int at = EthernetWriter.Write(destination, ethDst, ethSrc, source.IsV6 ? EtherType.IPv6 : EtherType.IPv4);
        int udpLength = UdpDatagram.HeaderLength + payloadLength;
        at += source.IsV6
            ? IPv6Writer.WriteHeader(destination[at..], source, target, IpProtocol.Udp, udpLength)
            : IPv4Writer.WriteHeader(destination[at..], source, target, IpProtocol.Udp, udpLength);
        UdpWriter.WriteHeader(destination[at..], sourcePort, destinationPort, payloadLength, source, target);
        return EthernetWriter.Pad(destination, at + udpLength);
    }
}
