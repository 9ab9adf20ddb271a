using CsCheck;

namespace Nvo3.Packets.Tests;

public class UnderlayFrameTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteVxlan_ThenParse_KeepsEveryLayer(bool v6Underlay)
    {
        var inner = Frames.ArpRequest();
        var source = v6Underlay ? Frames.UnderlayA6 : Frames.UnderlayA4;
        var target = v6Underlay ? Frames.UnderlayB6 : Frames.UnderlayB4;

        var frame = Frames.Vxlan(inner, v6Underlay);

        int ipHeader = v6Underlay ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;
        Assert.Equal(EthernetFrame.HeaderLength + ipHeader + UdpDatagram.HeaderLength + VxlanHeader.Length + inner.Length, frame.Length);
        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        Assert.Equal(Frames.NveMacB, eth.Destination);
        Assert.Equal(Frames.NveMacA, eth.Source);
        Assert.Equal(v6Underlay ? EtherType.IPv6 : EtherType.IPv4, eth.EtherType);
        ReadOnlySpan<byte> l4 = AssertIp(eth.Payload, v6Underlay, source, target);
        Assert.True(UdpDatagram.TryParse(l4, out var udp, out _));
        Assert.Equal(FlowHash.ForEthernet(inner), udp.SourcePort);
        Assert.InRange(udp.SourcePort, FlowHash.MinPort, ushort.MaxValue);
        Assert.Equal(VxlanHeader.UdpPort, udp.DestinationPort);
        Assert.Equal(UdpDatagram.HeaderLength + VxlanHeader.Length + inner.Length, udp.Length);
        Assert.True(udp.IsChecksumValid(source, target));

        Assert.True(UnderlayFrame.TryParse(frame, out var underlay, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(source, underlay.Source);
        Assert.Equal(target, underlay.Destination);
        Assert.Equal(udp.SourcePort, underlay.SourcePort);
        Assert.Equal(VxlanHeader.UdpPort, underlay.DestinationPort);
        Assert.True(VxlanHeader.TryParse(underlay.UdpPayload, out var vxlan, out _));
        Assert.Equal(Frames.Vni, vxlan.Vni);
        Assert.Equal(inner, vxlan.Inner.ToArray());
    }

    [Theory]
    [InlineData(GpeNextProtocol.IPv4, false)]
    [InlineData(GpeNextProtocol.IPv6, true)]
    [InlineData(GpeNextProtocol.Ethernet, false)]
    public void WriteVxlanGpe_ThenParse_KeepsNextProtocolAndInner(GpeNextProtocol next, bool v6Underlay)
    {
        var inner = next == GpeNextProtocol.Ethernet ? Frames.UdpFrame(v6: false) : Frames.UdpPacket(v6: next == GpeNextProtocol.IPv6);

        var frame = Frames.VxlanGpe(inner, next, v6Underlay);

        Assert.True(UnderlayFrame.TryParse(frame, out var underlay, out _));
        Assert.Equal(v6Underlay ? Frames.UnderlayA6 : Frames.UnderlayA4, underlay.Source);
        Assert.Equal(v6Underlay ? Frames.UnderlayB6 : Frames.UnderlayB4, underlay.Destination);
        Assert.Equal(VxlanGpeHeader.UdpPort, underlay.DestinationPort);
        ushort expectedPort = next == GpeNextProtocol.Ethernet ? FlowHash.ForEthernet(inner) : FlowHash.ForIp(inner);
        Assert.Equal(expectedPort, underlay.SourcePort);
        Assert.True(VxlanGpeHeader.TryParse(underlay.UdpPayload, out var gpe, out _));
        Assert.Equal(next, gpe.NextProtocol);
        Assert.Equal(Frames.Vni, gpe.Vni);
        Assert.Equal(inner, gpe.Inner.ToArray());
        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        AssertUdpChecksum(eth.Payload, v6Underlay);
    }

    [Fact]
    public void WriteVxlan_RandomInnerAndVni_RoundTrip()
    {
        Gen.Select(PacketGen.Vni, Gen.Bool, PacketGen.Payload, PacketGen.Mac, PacketGen.Mac).Sample((vni, v6Underlay, inner, dstMac, srcMac) =>
        {
            var source = v6Underlay ? Frames.UnderlayA6 : Frames.UnderlayA4;
            var target = v6Underlay ? Frames.UnderlayB6 : Frames.UnderlayB4;
            var buffer = new byte[1600];

            int length = UnderlayFrame.WriteVxlan(buffer, dstMac, srcMac, source, target, vni, inner);

            int headers = EthernetFrame.HeaderLength + (v6Underlay ? 40 : 20) + UdpDatagram.HeaderLength + VxlanHeader.Length;
            Assert.Equal(Math.Max(headers + inner.Length, EthernetFrame.MinimumFrameLength), length);
            var frame = buffer.AsSpan(0, length);
            Assert.True(UnderlayFrame.TryParse(frame, out var underlay, out _));
            Assert.Equal(source, underlay.Source);
            Assert.Equal(target, underlay.Destination);
            Assert.Equal(FlowHash.ForEthernet(inner), underlay.SourcePort);
            Assert.True(VxlanHeader.TryParse(underlay.UdpPayload, out var vxlan, out _));
            Assert.Equal(vni, vxlan.Vni);
            Assert.Equal(inner, vxlan.Inner.ToArray());
            Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
            Assert.Equal(dstMac, eth.Destination);
            Assert.Equal(srcMac, eth.Source);
            AssertUdpChecksum(eth.Payload, v6Underlay);
        }, iter: 1000);
    }

    [Fact]
    public void Write_ArbitraryPayload_IsTheSameAsUdpWriterFrame()
    {
        var payload = "any udp payload"u8.ToArray();
        var viaUnderlay = new byte[128];
        var viaUdp = new byte[128];

        int a = UnderlayFrame.Write(viaUnderlay, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA4, Frames.UnderlayB4, 50000, 4789, payload);
        int b = UdpWriter.WriteFrame(viaUdp, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA4, Frames.UnderlayB4, 50000, 4789, payload);

        Assert.Equal(b, a);
        Assert.Equal(viaUdp, viaUnderlay);
    }

    [Fact]
    public void WriteVxlan_DestinationTooShort_Throws()
    {
        var inner = Frames.ArpRequest();
        var buffer = new byte[EthernetFrame.HeaderLength + 20 + 8 + 8 + inner.Length - 1];

        Assert.Throws<ArgumentException>(() => UnderlayFrame.WriteVxlan(buffer, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA4, Frames.UnderlayB4, 1, inner));
    }

    [Fact]
    public void WriteVxlan_VniOver24Bits_Throws()
    {
        var buffer = new byte[200];

        Assert.Throws<ArgumentException>(() => UnderlayFrame.WriteVxlan(buffer, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA4, Frames.UnderlayB4,
            VxlanHeader.MaxVni + 1, Frames.ArpRequest()));
    }

    [Fact]
    public void TryParse_ArpFrame_RefusesAsUnsupported()
    {
        Assert.False(UnderlayFrame.TryParse(Frames.ArpRequest(), out _, out var error));
        Assert.Equal(PacketError.Unsupported, error);
    }

    [Fact]
    public void TryParse_TcpOverIp_RefusesAsUnsupported()
    {
        Assert.False(UnderlayFrame.TryParse(Frames.TcpSyn(v6: false), out _, out var error));
        Assert.Equal(PacketError.Unsupported, error);
    }

    [Fact]
    public void TryParse_FragmentedOuterPacket_RefusesAsUnsupported()
    {
        // A non-first fragment has no UDP header where one would be; VTEPs do not fragment (RFC 7348 section 4.3).
        var frame = Frames.Vxlan(Frames.ArpRequest());
        frame[EthernetFrame.HeaderLength + 6] = 0x20; // MF

        Assert.False(UnderlayFrame.TryParse(frame, out _, out var error));
        Assert.Equal(PacketError.Unsupported, error);
    }

    [Fact]
    public void TryParse_TruncatedUdp_RefusesAsTruncated()
    {
        var frame = Frames.Vxlan(Frames.ArpRequest());
        // Shrink the IP packet so that it ends in the middle of the UDP datagram.
        frame[EthernetFrame.HeaderLength + 3] -= 10;

        Assert.False(UnderlayFrame.TryParse(frame, out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    private static ReadOnlySpan<byte> AssertIp(ReadOnlySpan<byte> packet, bool v6, IpAddr source, IpAddr target)
    {
        if (v6)
        {
            Assert.True(IPv6Packet.TryParse(packet, out var ip6, out _));
            Assert.Equal(source, ip6.Source);
            Assert.Equal(target, ip6.Destination);
            Assert.Equal(IpProtocol.Udp, ip6.NextHeader);
            Assert.Equal(64, ip6.HopLimit);
            return ip6.Payload;
        }
        Assert.True(IPv4Packet.TryParse(packet, out var ip, out _));
        Assert.Equal(source, ip.Source);
        Assert.Equal(target, ip.Destination);
        Assert.Equal(IpProtocol.Udp, ip.Protocol);
        Assert.True(ip.DontFragment);
        Assert.Equal(64, ip.Ttl);
        Assert.True(ip.IsHeaderChecksumValid);
        return ip.Payload;
    }

    private static void AssertUdpChecksum(ReadOnlySpan<byte> packet, bool v6)
    {
        IpAddr src, dst;
        ReadOnlySpan<byte> l4;
        if (v6)
        {
            Assert.True(IPv6Packet.TryParse(packet, out var ip6, out _));
            src = ip6.Source;
            dst = ip6.Destination;
            l4 = ip6.Payload;
        }
        else
        {
            Assert.True(IPv4Packet.TryParse(packet, out var ip, out _));
            Assert.True(ip.IsHeaderChecksumValid);
            src = ip.Source;
            dst = ip.Destination;
            l4 = ip.Payload;
        }
        Assert.True(UdpDatagram.TryParse(l4, out var udp, out _));
        Assert.True(udp.IsChecksumValid(src, dst));
    }
}
