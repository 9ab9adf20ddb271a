namespace Nvo3.Packets.Tests;

/// <summary>
/// Whole frames built with Nvo3's writers: the tenant frames an NVE sees, and the underlay frames
/// it sends. Shared by the round-trip, fuzz, PacketDotNet and tshark tests.
/// </summary>
internal static class Frames
{
    public static readonly MacAddress VmMac = MacAddress.Parse("52:54:00:12:34:56");
    public static readonly MacAddress PeerMac = MacAddress.Parse("52:54:00:ab:cd:ef");
    public static readonly MacAddress GatewayMac = MacAddress.Parse("02:00:00:00:00:fe");
    public static readonly MacAddress NveMacA = MacAddress.Parse("02:00:00:00:0a:01");
    public static readonly MacAddress NveMacB = MacAddress.Parse("02:00:00:00:0b:01");

    public static readonly IpAddr VmIPv4 = IpAddr.Parse("10.1.0.5");
    public static readonly IpAddr PeerIPv4 = IpAddr.Parse("10.1.0.9");
    public static readonly IpAddr GatewayIPv4 = IpAddr.Parse("10.1.0.1");
    public static readonly IpAddr VmIPv6 = IpAddr.Parse("fd10::5:1234:5678");
    public static readonly IpAddr PeerIPv6 = IpAddr.Parse("fd10::9");
    public static readonly IpAddr GatewayIPv6 = IpAddr.Parse("fd10::1");
    public static readonly IpAddr UnderlayA4 = IpAddr.Parse("192.0.2.10");
    public static readonly IpAddr UnderlayB4 = IpAddr.Parse("192.0.2.20");
    public static readonly IpAddr UnderlayA6 = IpAddr.Parse("2001:db8::a");
    public static readonly IpAddr UnderlayB6 = IpAddr.Parse("2001:db8::b");

    public const uint Vni = 0x12_3456;

    public static byte[] ArpRequest() => Build(b => ArpWriter.WriteRequestFrame(b, VmMac, VmIPv4, PeerIPv4));

    public static byte[] ArpReply() => Build(b => ArpWriter.WriteReplyFrame(b, PeerMac, PeerIPv4, VmMac, VmIPv4));

    public static byte[] GratuitousArp(bool asReply = false) => Build(b => ArpWriter.WriteGratuitousFrame(b, VmMac, VmIPv4, asReply));

    public static byte[] RarpAnnounce() => Build(b => ArpWriter.WriteRarpAnnounceFrame(b, VmMac));

    public static byte[] NeighborSolicitation(bool dad = false) =>
        Build(b => IcmpV6Writer.WriteNeighborSolicitationFrame(b, VmMac, VmIPv6, PeerIPv6, dad));

    public static byte[] NeighborAdvertisement() =>
        Build(b => IcmpV6Writer.WriteNeighborAdvertisementFrame(b, PeerMac, PeerIPv6, VmMac, VmIPv6));

    public static byte[] UnsolicitedNeighborAdvertisement(bool toSolicitedNode = false) =>
        Build(b => IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame(b, VmMac, VmIPv6, toSolicitedNode));

    public static byte[] UdpFrame(bool v6, ushort sourcePort = 40000, ushort destinationPort = 40001, byte[]? payload = null) =>
        Build(b => UdpWriter.WriteFrame(b, PeerMac, VmMac, v6 ? VmIPv6 : VmIPv4, v6 ? PeerIPv6 : PeerIPv4,
            sourcePort, destinationPort, payload ?? "nvo3 tenant datagram"u8.ToArray()));

    /// <summary>An IPv4 or IPv6 packet (no Ethernet header) carrying UDP: what VXLAN-GPE carries in Layer-3 mode.</summary>
    public static byte[] UdpPacket(bool v6, ushort sourcePort = 40000, ushort destinationPort = 40001, byte[]? payload = null)
    {
        payload ??= "nvo3 layer-3 datagram"u8.ToArray();
        var src = v6 ? VmIPv6 : VmIPv4;
        var dst = v6 ? PeerIPv6 : PeerIPv4;
        int ipHeader = v6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;
        var packet = new byte[ipHeader + UdpDatagram.HeaderLength + payload.Length];
        int udpLength = UdpDatagram.HeaderLength + payload.Length;
        if (v6)
        {
            IPv6Writer.WriteHeader(packet, src, dst, IpProtocol.Udp, udpLength);
        }
        else
        {
            IPv4Writer.WriteHeader(packet, src, dst, IpProtocol.Udp, udpLength);
        }
        payload.CopyTo(packet, ipHeader + UdpDatagram.HeaderLength);
        UdpWriter.WriteHeader(packet.AsSpan(ipHeader), sourcePort, destinationPort, payload.Length, src, dst);
        return packet;
    }

    /// <summary>A whole Ethernet + IPv4/IPv6 + TCP frame; the family follows the addresses.</summary>
    public static byte[] TcpFrame(IpAddr source, IpAddr destination, ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment,
        TcpFlags flags, ushort window, ReadOnlySpan<byte> options, ReadOnlySpan<byte> payload)
    {
        int ipHeader = source.IsV6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;
        int tcpHeader = TcpSegment.MinHeaderLength + ((options.Length + 3) & ~3);
        int tcpAt = EthernetFrame.HeaderLength + ipHeader;
        var frame = new byte[Math.Max(tcpAt + tcpHeader + payload.Length, EthernetFrame.MinimumFrameLength)];
        EthernetWriter.Write(frame, PeerMac, VmMac, source.IsV6 ? EtherType.IPv6 : EtherType.IPv4);
        payload.CopyTo(frame.AsSpan(tcpAt + tcpHeader));
        TcpWriter.WriteHeader(frame.AsSpan(tcpAt), sourcePort, destinationPort, sequence, acknowledgment, flags, window, options,
            payload.Length, source, destination);
        int segment = tcpHeader + payload.Length;
        if (source.IsV6)
        {
            IPv6Writer.WriteHeader(frame.AsSpan(EthernetFrame.HeaderLength), source, destination, IpProtocol.Tcp, segment);
        }
        else
        {
            IPv4Writer.WriteHeader(frame.AsSpan(EthernetFrame.HeaderLength), source, destination, IpProtocol.Tcp, segment);
        }
        return frame;
    }

    /// <summary>A SYN with MSS, SACK-permitted, timestamps and window scale from the VM to its peer.</summary>
    public static byte[] TcpSyn(bool v6) =>
        TcpFrame(v6 ? VmIPv6 : VmIPv4, v6 ? PeerIPv6 : PeerIPv4, 43210, 22, 0x1122_3344, 0, TcpFlags.Syn, 64240,
            TcpOptionBytes.Syn(1460, 7, sackPermitted: true, (0xA0B0_C0D0, 0)), []);

    /// <summary>The gateway's ICMPv4 destination unreachable (host unreachable) for the VM's UDP packet.</summary>
    public static byte[] IcmpV4Unreachable()
    {
        var original = UdpPacket(v6: false);
        return Build(b => IcmpV4Writer.WriteDestinationUnreachableFrame(b, VmMac, GatewayMac, GatewayIPv4, IcmpV4Packet.CodeHostUnreachable, original));
    }

    /// <summary>The gateway's ICMPv6 destination unreachable (address unreachable) for the VM's UDP packet.</summary>
    public static byte[] IcmpV6Unreachable()
    {
        var original = UdpPacket(v6: true);
        return Build(b => IcmpV6Writer.WriteDestinationUnreachableFrame(b, VmMac, GatewayMac, GatewayIPv6, IcmpV6Packet.CodeAddressUnreachable, original));
    }

    /// <summary>The gateway's time exceeded (TTL or hop limit exceeded in transit) for the VM's UDP packet.</summary>
    public static byte[] TimeExceeded(bool v6)
    {
        var original = UdpPacket(v6);
        return v6
            ? Build(b => IcmpV6Writer.WriteTimeExceededFrame(b, VmMac, GatewayMac, GatewayIPv6, original))
            : Build(b => IcmpV4Writer.WriteTimeExceededFrame(b, VmMac, GatewayMac, GatewayIPv4, original));
    }

    /// <summary>A VXLAN underlay frame from NVE A to NVE B around <paramref name="inner"/>.</summary>
    public static byte[] Vxlan(byte[] inner, bool v6Underlay = false, uint vni = Vni) =>
        Build(b => UnderlayFrame.WriteVxlan(b, NveMacB, NveMacA, v6Underlay ? UnderlayA6 : UnderlayA4, v6Underlay ? UnderlayB6 : UnderlayB4, vni, inner));

    /// <summary>A VXLAN-GPE underlay frame from NVE A to NVE B around <paramref name="inner"/>.</summary>
    public static byte[] VxlanGpe(byte[] inner, GpeNextProtocol nextProtocol, bool v6Underlay = false, uint vni = Vni) =>
        Build(b => UnderlayFrame.WriteVxlanGpe(b, NveMacB, NveMacA, v6Underlay ? UnderlayA6 : UnderlayA4, v6Underlay ? UnderlayB6 : UnderlayB4,
            vni, nextProtocol, inner));

    /// <summary>One of every kind of frame above: the corpus the fuzz tests truncate and mutate.</summary>
    public static IReadOnlyList<byte[]> Corpus() =>
    [
        ArpRequest(), ArpReply(), GratuitousArp(), GratuitousArp(asReply: true), RarpAnnounce(),
        NeighborSolicitation(), NeighborSolicitation(dad: true), NeighborAdvertisement(),
        UnsolicitedNeighborAdvertisement(), UnsolicitedNeighborAdvertisement(toSolicitedNode: true),
        UdpFrame(v6: false), UdpFrame(v6: true), TcpSyn(v6: false), TcpSyn(v6: true),
        IcmpV4Unreachable(), IcmpV6Unreachable(),
        Build(b => IcmpV4Writer.WriteEchoFrame(b, PeerMac, VmMac, VmIPv4, PeerIPv4, false, 7, 1, "ping"u8)),
        Build(b => IcmpV6Writer.WriteEchoFrame(b, PeerMac, VmMac, VmIPv6, PeerIPv6, false, 7, 1, "ping"u8)),
        Vxlan(ArpRequest()), Vxlan(NeighborSolicitation(), v6Underlay: true), Vxlan(TcpSyn(v6: false)),
        VxlanGpe(UdpPacket(v6: false), GpeNextProtocol.IPv4), VxlanGpe(UdpPacket(v6: true), GpeNextProtocol.IPv6, v6Underlay: true),
        VxlanGpe(UdpFrame(v6: false), GpeNextProtocol.Ethernet),
    ];

    private delegate int Writer(Span<byte> buffer);

    private static byte[] Build(Writer write)
    {
        var buffer = new byte[2048];
        int length = write(buffer);
        return buffer[..length];
    }
}
