using static Nvo3.Packets.Tests.OffloadFrames;
using Pd = PacketDotNet;

namespace Nvo3.Packets.Tests;

/// <summary>
/// Path MTU: the inner MTU each encapsulation leaves, and the ICMP errors that tell a VM its packet
/// was too big (read back by Nvo3 and by PacketDotNet).
/// </summary>
public class PmtuTests
{
    [Theory]
    [InlineData(1500, false, true, 1450)] // VXLAN over IPv4: 20 + 8 + 8 + 14
    [InlineData(1500, true, true, 1430)]  // VXLAN over IPv6: 40 + 8 + 8 + 14
    [InlineData(1500, false, false, 1464)] // VXLAN-GPE carrying IP over IPv4: 20 + 8 + 8
    [InlineData(1500, true, false, 1444)]  // over IPv6: 40 + 8 + 8
    [InlineData(9000, false, true, 8950)]
    public void InnerMtu_UnderlayAndEncapsulation_Overhead(int underlay, bool underlayIPv6, bool innerEthernet, int expected)
    {
        Assert.Equal(expected, OverlayMtu.InnerMtu(underlay, underlayIPv6, innerEthernet));
        Assert.Equal(underlay - expected, OverlayMtu.Overhead(underlayIPv6, innerEthernet));
    }

    [Fact]
    public void InnerMtu_OverheadMatchesWhatTheWritersAdd()
    {
        // The overhead is what an encapsulated frame really grows by, not counting the outer Ethernet header.
        var inner = Frames.UdpFrame(v6: false, payload: new byte[1000]);
        var vxlan4 = Frames.Vxlan(inner);
        var vxlan6 = Frames.Vxlan(inner, v6Underlay: true);
        var gpe4 = Frames.VxlanGpe(inner[EthernetFrame.HeaderLength..], GpeNextProtocol.IPv4);
        int innerIp = inner.Length - EthernetFrame.HeaderLength;

        Assert.Equal(OverlayMtu.VxlanOverIPv4, vxlan4.Length - EthernetFrame.HeaderLength - innerIp);
        Assert.Equal(OverlayMtu.VxlanOverIPv6, vxlan6.Length - EthernetFrame.HeaderLength - innerIp);
        Assert.Equal(OverlayMtu.GpeIpOverIPv4, gpe4.Length - EthernetFrame.HeaderLength - innerIp);
        Assert.Equal(1460 - 50, OverlayMtu.TcpMss(1450, innerIPv6: false));
        Assert.Equal(1430 - 60, OverlayMtu.TcpMss(1430, innerIPv6: true));
    }

    [Theory]
    [InlineData(67, false)]
    [InlineData(1279, true)]
    [InlineData(100, false)]
    [InlineData(70000, false)]
    public void InnerMtu_ImpossibleUnderlay_Throws(int underlay, bool underlayIPv6)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OverlayMtu.InnerMtu(underlay, underlayIPv6, innerEthernet: true));
    }

    [Fact]
    public void WriteFragmentationNeededFrame_LargePacket_MtuAndQuoteReadBackByNvo3AndPacketDotNet()
    {
        var original = Segment(Sample(v6: false), Payload(1448, 3), 1, TcpFlags.Ack, 9)[EthernetFrame.HeaderLength..];
        var frame = new byte[800];

        int length = IcmpV4Writer.WriteFragmentationNeededFrame(frame, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv4, 1450, original);

        Assert.Equal(EthernetFrame.HeaderLength + 576, length);
        Assert.True(EthernetFrame.TryParse(frame.AsSpan(0, length), out var eth, out _));
        Assert.True(IPv4Packet.TryParse(eth.Payload, out var ip, out _));
        Assert.Equal(Frames.VmIPv4, ip.Destination);
        Assert.Equal(Frames.GatewayIPv4, ip.Source);
        Assert.True(IcmpV4Packet.TryParse(ip.Payload, out var icmp, out _));
        Assert.Equal((IcmpV4Packet.TypeDestinationUnreachable, IcmpV4Packet.CodeFragmentationNeeded), (icmp.Type, icmp.Code));
        Assert.Equal(1450, icmp.NextHopMtu);
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(original.AsSpan(0, IcmpV4Writer.MaxQuote).ToArray(), icmp.Body.ToArray());

        var pd = Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, frame[..length]).Extract<Pd.IcmpV4Packet>();
        Assert.NotNull(pd);
        Assert.Equal(Pd.IcmpV4TypeCode.UnreachableFragmentationNeeded, pd.TypeCode);
        Assert.Equal(1450, pd.Sequence); // the next-hop MTU sits where an echo's sequence number would
        Assert.True(pd.ValidIcmpChecksum);
    }

    [Fact]
    public void WritePacketTooBigFrame_LargePacket_MtuAndQuoteReadBackByNvo3AndPacketDotNet()
    {
        var original = Segment(Sample(v6: true), Payload(1428, 4), 1, TcpFlags.Ack, 0)[EthernetFrame.HeaderLength..];
        var frame = new byte[1400];

        int length = IcmpV6Writer.WritePacketTooBigFrame(frame, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv6, 1430, original);

        Assert.Equal(EthernetFrame.HeaderLength + 1280, length);
        Assert.True(EthernetFrame.TryParse(frame.AsSpan(0, length), out var eth, out _));
        Assert.True(IPv6Packet.TryParse(eth.Payload, out var ip, out _));
        Assert.Equal(Frames.VmIPv6, ip.Destination);
        Assert.True(IcmpV6Packet.TryParse(ip.Payload, out var icmp, out _));
        Assert.Equal((IcmpV6Packet.TypePacketTooBig, (byte)0), (icmp.Type, icmp.Code));
        Assert.Equal(1430u, icmp.Mtu);
        Assert.True(icmp.IsChecksumValid(ip.Source, ip.Destination));
        Assert.Equal(original.AsSpan(0, IcmpV6Writer.MaxQuote).ToArray(), icmp.Body.ToArray());

        var pd = Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, frame[..length]).Extract<Pd.IcmpV6Packet>();
        Assert.NotNull(pd);
        Assert.Equal(Pd.IcmpV6Type.PacketTooBig, pd.Type);
        Assert.True(pd.ValidIcmpChecksum);
    }

    [Fact]
    public void PmtuWriters_MtuBelowTheLinkMinimum_Throw()
    {
        var original = Frames.UdpPacket(v6: false);
        var original6 = Frames.UdpPacket(v6: true);
        var buffer = new byte[1500];

        Assert.Throws<ArgumentException>(() => IcmpV4Writer.WriteFragmentationNeeded(buffer, 67, original));
        Assert.Throws<ArgumentException>(() => IcmpV4Writer.WriteFragmentationNeededFrame(buffer, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv4, 67, original));
        Assert.Throws<ArgumentException>(() => IcmpV6Writer.WritePacketTooBig(buffer, 1279, original6, Frames.GatewayIPv6, Frames.VmIPv6));
        Assert.Throws<ArgumentException>(() => IcmpV6Writer.WritePacketTooBigFrame(buffer, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv6, 1279, original6));
        Assert.Equal(8 + original.Length, IcmpV4Writer.WriteFragmentationNeeded(buffer, 68, original));
    }
}
