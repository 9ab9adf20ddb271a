using CsCheck;
using static Nvo3.Packets.Tests.PacketDotNetInterop;
using Pd = PacketDotNet;

namespace Nvo3.Packets.Tests;

/// <summary>PacketDotNet, an independent dissector, reads what Nvo3's writers build, field by field and checksum by checksum.</summary>
public class PacketDotNetReadsNvo3Tests
{
    [Fact]
    public void Ethernet_Untagged_FieldsMatch()
    {
        var frame = Frames.UdpFrame(v6: false);

        var eth = Assert.IsType<Pd.EthernetPacket>(Parse(frame));
        Assert.Equal(Frames.PeerMac, ToMac(eth.DestinationHardwareAddress));
        Assert.Equal(Frames.VmMac, ToMac(eth.SourceHardwareAddress));
        Assert.Equal(Pd.EthernetType.IPv4, eth.Type);
    }

    [Fact]
    public void Ethernet_Tagged_VlanFieldsMatch()
    {
        var frame = new byte[EthernetFrame.TaggedHeaderLength + ArpPacket.Length];
        int at = EthernetWriter.WriteTagged(frame, MacAddress.Broadcast, Frames.VmMac, vlanId: 300, priority: 6, EtherType.Arp);
        ArpWriter.Write(frame.AsSpan(at), ArpOperation.Request, Frames.VmMac, Frames.VmIPv4, MacAddress.Zero, Frames.PeerIPv4);

        var eth = Assert.IsType<Pd.EthernetPacket>(Parse(frame));
        Assert.Equal(Pd.EthernetType.VLanTaggedFrame, eth.Type);
        var tag = eth.Extract<Pd.Ieee8021QPacket>();
        Assert.NotNull(tag);
        Assert.Equal(300, tag.VlanIdentifier);
        Assert.Equal(6, (int)tag.PriorityControlPoint);
        Assert.Equal(Pd.EthernetType.Arp, tag.Type);
        var arp = eth.Extract<Pd.ArpPacket>();
        Assert.NotNull(arp);
        Assert.Equal(Frames.PeerIPv4, ToIpAddr(arp.TargetProtocolAddress));
    }

    [Theory]
    [InlineData("request")]
    [InlineData("reply")]
    [InlineData("gratuitous request")]
    [InlineData("gratuitous reply")]
    public void Arp_EveryKind_FieldsMatch(string kind)
    {
        var frame = kind switch
        {
            "request" => Frames.ArpRequest(),
            "reply" => Frames.ArpReply(),
            "gratuitous request" => Frames.GratuitousArp(),
            _ => Frames.GratuitousArp(asReply: true),
        };
        Assert.True(EthernetFrame.TryParse(frame, out var nvoEth, out _));
        Assert.True(ArpPacket.TryParse(nvoEth.Payload, out var expected, out _));

        var eth = Assert.IsType<Pd.EthernetPacket>(Parse(frame));
        var arp = eth.Extract<Pd.ArpPacket>();
        Assert.NotNull(arp);
        Assert.Equal(Pd.EthernetType.Arp, eth.Type);
        Assert.Equal(Pd.LinkLayers.Ethernet, arp.HardwareAddressType);
        Assert.Equal(Pd.EthernetType.IPv4, arp.ProtocolAddressType);
        Assert.Equal(6, arp.HardwareAddressLength);
        Assert.Equal(4, arp.ProtocolAddressLength);
        Assert.Equal((ushort)expected.Operation, (ushort)arp.Operation);
        Assert.Equal(expected.SenderMac, ToMac(arp.SenderHardwareAddress));
        Assert.Equal(expected.SenderIp, ToIpAddr(arp.SenderProtocolAddress));
        Assert.Equal(expected.TargetMac, ToMac(arp.TargetHardwareAddress));
        Assert.Equal(expected.TargetIp, ToIpAddr(arp.TargetProtocolAddress));
        Assert.Equal(kind.StartsWith("gratuitous", StringComparison.Ordinal), arp.SenderProtocolAddress.Equals(arp.TargetProtocolAddress));
    }

    [Fact]
    public void UdpOverIPv4_RandomFields_PacketDotNetAgreesAndChecksumsValidate()
    {
        Gen.Select(PacketGen.IPv4, PacketGen.IPv4, PacketGen.Port, PacketGen.Port, Gen.Byte[1, 255], PacketGen.Payload).Sample((src, dst, sp, dp, ttl, payload) =>
        {
            var frame = new byte[1600];
            int length = UdpWriter.WriteFrame(frame, Frames.PeerMac, Frames.VmMac, src, dst, sp, dp, payload, ttl);

            var eth = Assert.IsType<Pd.EthernetPacket>(Parse(frame[..length]));
            var ip = eth.Extract<Pd.IPv4Packet>();
            Assert.NotNull(ip);
            Assert.Equal(src, ToIpAddr(ip.SourceAddress));
            Assert.Equal(dst, ToIpAddr(ip.DestinationAddress));
            Assert.Equal(ttl, ip.TimeToLive);
            Assert.Equal(Pd.ProtocolType.Udp, ip.Protocol);
            Assert.Equal(5, ip.HeaderLength); // in 32-bit words
            Assert.Equal(28 + payload.Length, ip.TotalLength);
            Assert.Equal(2, ip.FragmentFlags); // don't fragment
            Assert.True(ip.ValidIPChecksum);
            var udp = eth.Extract<Pd.UdpPacket>();
            Assert.NotNull(udp);
            Assert.Equal(sp, udp.SourcePort);
            Assert.Equal(dp, udp.DestinationPort);
            Assert.Equal(8 + payload.Length, udp.Length);
            Assert.True(udp.ValidUdpChecksum);
            Assert.Equal(payload, udp.PayloadData ?? []);
        }, iter: 300);
    }

    [Fact]
    public void UdpOverIPv6_RandomFields_PacketDotNetAgreesAndChecksumValidates()
    {
        Gen.Select(PacketGen.IPv6, PacketGen.IPv6, PacketGen.Port, PacketGen.Port, Gen.Byte[1, 255], PacketGen.Payload).Sample((src, dst, sp, dp, hopLimit, payload) =>
        {
            var frame = new byte[1600];
            int length = UdpWriter.WriteFrame(frame, Frames.PeerMac, Frames.VmMac, src, dst, sp, dp, payload, hopLimit);

            var eth = Assert.IsType<Pd.EthernetPacket>(Parse(frame[..length]));
            var ip = eth.Extract<Pd.IPv6Packet>();
            Assert.NotNull(ip);
            Assert.Equal(src, ToIpAddr(ip.SourceAddress));
            Assert.Equal(dst, ToIpAddr(ip.DestinationAddress));
            Assert.Equal(hopLimit, ip.HopLimit);
            Assert.Equal(Pd.ProtocolType.Udp, ip.NextHeader);
            Assert.Equal(8 + payload.Length, ip.PayloadLength);
            var udp = eth.Extract<Pd.UdpPacket>();
            Assert.NotNull(udp);
            Assert.Equal(sp, udp.SourcePort);
            Assert.Equal(dp, udp.DestinationPort);
            Assert.True(udp.ValidUdpChecksum);
            Assert.Equal(payload, udp.PayloadData ?? []);
        }, iter: 300);
    }

    [Fact]
    public void Ipv6Header_TrafficClassAndFlowLabel_Match()
    {
        var frame = new byte[EthernetFrame.HeaderLength + IPv6Packet.HeaderLength];
        EthernetWriter.Write(frame, Frames.PeerMac, Frames.VmMac, EtherType.IPv6);
        IPv6Writer.WriteHeader(frame.AsSpan(EthernetFrame.HeaderLength), Frames.VmIPv6, Frames.PeerIPv6, IpProtocol.NoNextHeader, 0,
            hopLimit: 17, trafficClass: 0xB8, flowLabel: 0xABCDE);

        var ip = Parse(frame).Extract<Pd.IPv6Packet>();
        Assert.NotNull(ip);
        Assert.Equal(0xB8, ip.TrafficClass);
        Assert.Equal(0xABCDE, ip.FlowLabel);
        Assert.Equal(17, ip.HopLimit);
    }

    [Fact]
    public void TcpWithOptions_RandomFields_PacketDotNetAgreesAndChecksumValidates()
    {
        // PacketDotNet 1.4 throws on options together with URG ("not yet implemented"), so URG stays clear here.
        var flagsWithoutUrg = Gen.Byte.Select(b => (byte)(b & ~(byte)TcpFlags.Urg));
        var header = Gen.Select(PacketGen.Port, PacketGen.Port, Gen.UInt, Gen.UInt, flagsWithoutUrg, Gen.UShort);
        var options = Gen.Select(Gen.UShort, Gen.Byte[0, 14], Gen.UInt, Gen.UInt);
        Gen.Select(PacketGen.AddressPair, header, options, PacketGen.Payload).Sample((addresses, h, o, payload) =>
        {
            var (src, dst) = addresses;
            var (sp, dp, seq, ack, flags, window) = h;
            var (mss, ws, tsVal, tsEcr) = o;
            var frame = Frames.TcpFrame(src, dst, sp, dp, seq, ack, (TcpFlags)flags, window,
                TcpOptionBytes.Syn(mss, ws, sackPermitted: true, (tsVal, tsEcr)), payload);

            var eth = Assert.IsType<Pd.EthernetPacket>(Parse(frame));
            if (src.IsV4)
            {
                var ip4 = eth.Extract<Pd.IPv4Packet>();
                Assert.NotNull(ip4);
                Assert.True(ip4.ValidIPChecksum);
            }
            var tcp = eth.Extract<Pd.TcpPacket>();
            Assert.NotNull(tcp);
            Assert.Equal(sp, tcp.SourcePort);
            Assert.Equal(dp, tcp.DestinationPort);
            Assert.Equal(seq, tcp.SequenceNumber);
            Assert.Equal(ack, tcp.AcknowledgmentNumber);
            Assert.Equal(flags, tcp.Flags & 0xFF);
            Assert.Equal((flags & 0x02) != 0, tcp.Synchronize);
            Assert.Equal((flags & 0x10) != 0, tcp.Acknowledgment);
            Assert.Equal(window, tcp.WindowSize);
            Assert.Equal(10, tcp.DataOffset);
            Assert.True(tcp.ValidTcpChecksum);
            Assert.Equal(mss, Option<Pd.Tcp.MaximumSegmentSizeOption>(tcp)?.Value);
            Assert.Equal(ws, Option<Pd.Tcp.WindowScaleFactorOption>(tcp)?.ScaleFactor);
            Assert.NotNull(Option<Pd.Tcp.SelectiveAcknowledgmentPermittedOption>(tcp));
            var timestamps = Option<Pd.Tcp.TimeStampOption>(tcp);
            Assert.NotNull(timestamps);
            Assert.Equal(tsVal, timestamps.Value);
            Assert.Equal(tsEcr, timestamps.EchoReply);
            Assert.Equal(payload, tcp.PayloadData ?? []);
        }, iter: 300);
    }

    [Fact]
    public void NeighborSolicitation_BuiltByNvo3_PacketDotNetReadsTargetOptionAndChecksum()
    {
        var frame = Frames.NeighborSolicitation();

        var eth = Assert.IsType<Pd.EthernetPacket>(Parse(frame));
        var ip = eth.Extract<Pd.IPv6Packet>();
        Assert.NotNull(ip);
        Assert.Equal(255, ip.HopLimit);
        Assert.Equal(Frames.PeerIPv6.SolicitedNodeMulticast(), ToIpAddr(ip.DestinationAddress));
        var icmp = eth.Extract<Pd.IcmpV6Packet>();
        Assert.NotNull(icmp);
        Assert.Equal(Pd.IcmpV6Type.NeighborSolicitation, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.True(icmp.ValidIcmpChecksum);
        var ns = eth.Extract<Pd.NdpNeighborSolicitationPacket>();
        Assert.NotNull(ns);
        Assert.Equal(Frames.PeerIPv6, ToIpAddr(ns.TargetAddress));
        var option = Assert.IsType<Pd.Ndp.NdpLinkLayerAddressOption>(Assert.Single(ns.OptionsCollection));
        Assert.Equal(Pd.Ndp.OptionTypes.SourceLinkLayerAddress, option.Type);
        Assert.Equal(Frames.VmMac, ToMac(option.LinkLayerAddress));
    }

    [Fact]
    public void NeighborSolicitation_Dad_PacketDotNetSeesNoOption()
    {
        var eth = Assert.IsType<Pd.EthernetPacket>(Parse(Frames.NeighborSolicitation(dad: true)));

        Assert.Equal(IpAddr.V6Any, ToIpAddr(eth.Extract<Pd.IPv6Packet>()!.SourceAddress));
        Assert.True(eth.Extract<Pd.IcmpV6Packet>()!.ValidIcmpChecksum);
        Assert.Empty(eth.Extract<Pd.NdpNeighborSolicitationPacket>()!.OptionsCollection);
    }

    [Theory]
    [InlineData("solicited", true, false)]
    [InlineData("unsolicited to all-nodes", false, false)]
    [InlineData("unsolicited to solicited-node", false, true)]
    public void NeighborAdvertisement_PacketDotNetReadsFlagsOptionAndChecksum(string kind, bool solicited, bool toSolicitedNode)
    {
        var frame = kind == "solicited" ? Frames.NeighborAdvertisement() : Frames.UnsolicitedNeighborAdvertisement(toSolicitedNode);
        var target = kind == "solicited" ? Frames.PeerIPv6 : Frames.VmIPv6;
        var targetMac = kind == "solicited" ? Frames.PeerMac : Frames.VmMac;

        var eth = Assert.IsType<Pd.EthernetPacket>(Parse(frame));
        var icmp = eth.Extract<Pd.IcmpV6Packet>();
        Assert.NotNull(icmp);
        Assert.Equal(Pd.IcmpV6Type.NeighborAdvertisement, icmp.Type);
        Assert.True(icmp.ValidIcmpChecksum);
        var na = eth.Extract<Pd.NdpNeighborAdvertisementPacket>();
        Assert.NotNull(na);
        Assert.False(na.Router);
        Assert.Equal(solicited, na.Solicited);
        Assert.True(na.Override);
        Assert.Equal(target, ToIpAddr(na.TargetAddress));
        var option = Assert.IsType<Pd.Ndp.NdpLinkLayerAddressOption>(Assert.Single(na.OptionsCollection));
        Assert.Equal(Pd.Ndp.OptionTypes.TargetLinkLayerAddress, option.Type);
        Assert.Equal(targetMac, ToMac(option.LinkLayerAddress));
    }

    [Fact]
    public void IcmpV6Echo_RandomFields_ChecksumValidates()
    {
        Gen.Select(PacketGen.IPv6, PacketGen.IPv6, Gen.UShort, Gen.UShort, PacketGen.Payload).Sample((src, dst, id, sequence, data) =>
        {
            var frame = new byte[1600];
            int length = IcmpV6Writer.WriteEchoFrame(frame, Frames.PeerMac, Frames.VmMac, src, dst, false, id, sequence, data);

            var icmp = Parse(frame[..length]).Extract<Pd.IcmpV6Packet>();
            Assert.NotNull(icmp);
            Assert.Equal(Pd.IcmpV6Type.EchoRequest, icmp.Type);
            Assert.True(icmp.ValidIcmpChecksum);
        }, iter: 300);
    }

    [Fact]
    public void IcmpV6DestinationUnreachable_BuiltByNvo3_PacketDotNetValidatesChecksum()
    {
        var icmp = Parse(Frames.IcmpV6Unreachable()).Extract<Pd.IcmpV6Packet>();

        Assert.NotNull(icmp);
        Assert.Equal(Pd.IcmpV6Type.DestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpV6Packet.CodeAddressUnreachable, icmp.Code);
        Assert.True(icmp.ValidIcmpChecksum);
    }

    [Fact]
    public void IcmpV4_EchoAndUnreachable_FieldsAndChecksumsValidate()
    {
        var echo = new byte[64];
        int length = IcmpV4Writer.WriteEchoFrame(echo, Frames.PeerMac, Frames.VmMac, Frames.VmIPv4, Frames.PeerIPv4, false, 0x1234, 0x5678, "ping"u8);

        var icmp = Parse(echo[..length]).Extract<Pd.IcmpV4Packet>();
        Assert.NotNull(icmp);
        Assert.Equal(Pd.IcmpV4TypeCode.EchoRequest, icmp.TypeCode);
        Assert.Equal(0x1234, icmp.Id);
        Assert.Equal(0x5678, icmp.Sequence);
        Assert.True(icmp.ValidIcmpChecksum);

        var unreachable = Parse(Frames.IcmpV4Unreachable());
        var error = unreachable.Extract<Pd.IcmpV4Packet>();
        Assert.NotNull(error);
        Assert.Equal(Pd.IcmpV4TypeCode.UnreachableHost, error.TypeCode);
        Assert.True(error.ValidIcmpChecksum);
        Assert.True(unreachable.Extract<Pd.IPv4Packet>()!.ValidIPChecksum);
    }
}
