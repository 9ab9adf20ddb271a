using CsCheck;

namespace Nvo3.Packets.Tests;

public class NeighborMessageTests
{
    private static readonly MacAddress AllNodesMac = MacAddress.Parse("33:33:00:00:00:01");

    [Fact]
    public void SolicitedNodeMulticast_DocumentationAddress_KeepsLow24BitsInTheGroup()
    {
        var group = IpAddr.Parse("2001:db8::aa:bb12:3456").SolicitedNodeMulticast();

        Assert.Equal(IpAddr.Parse("ff02::1:ff12:3456"), group);
        Assert.True(group.IsMulticast);
        Assert.Equal(MacAddress.Parse("33:33:ff:12:34:56"), MacAddress.ForIPv6Multicast(group));
    }

    [Fact]
    public void SolicitedNodeMulticast_RandomAddresses_MapToGroupAnd3333FfMac()
    {
        PacketGen.IPv6.Sample(address =>
        {
            var group = address.SolicitedNodeMulticast();
            uint low24 = (uint)address.V6Value & 0xFF_FFFF;

            Assert.Equal(new UInt128(0xFF02_0000_0000_0000, 0x0000_0001_FF00_0000UL | low24), group.V6Value);
            Assert.True(group.IsV6SolicitedNodeMulticast);
            Assert.Equal(address.V6Value >> 24 == group.V6Value >> 24, address.IsV6SolicitedNodeMulticast);
            var mac = MacAddress.ForIPv6Multicast(group);
            Assert.Equal(0x3333_FF00_0000UL | low24, mac.Value);
            Assert.True(mac.IsMulticast);
        }, iter: 1000);
    }

    [Fact]
    public void SolicitedNodeMulticast_IPv4_Throws()
    {
        Assert.Throws<ArgumentException>(() => Frames.VmIPv4.SolicitedNodeMulticast());
    }

    [Fact]
    public void WriteNeighborSolicitationFrame_Resolution_GoesToTargetsGroupWithSourceOption()
    {
        var frame = Frames.NeighborSolicitation();
        var group = IpAddr.Parse("ff02::1:ff00:9");

        Assert.Equal(EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + 32, frame.Length);
        var nd = Parse(frame, out var eth, out var ip);
        Assert.Equal(MacAddress.Parse("33:33:ff:00:00:09"), eth.Destination);
        Assert.Equal(Frames.VmMac, eth.Source);
        Assert.Equal(Frames.VmIPv6, ip.Source);
        Assert.Equal(group, ip.Destination);
        Assert.Equal(255, ip.HopLimit);
        Assert.True(nd.IsSolicitation);
        Assert.False(nd.IsAdvertisement);
        Assert.Equal(Frames.PeerIPv6, nd.Target);
        Assert.True(nd.TryGetSourceLinkLayer(out var sourceMac));
        Assert.Equal(Frames.VmMac, sourceMac);
        Assert.False(nd.TryGetTargetLinkLayer(out _));
        Assert.False(nd.Router || nd.Solicited || nd.Override);
        Assert.Equal(0, nd.FlagBits);
    }

    [Fact]
    public void WriteNeighborSolicitationFrame_Dad_FromUnspecifiedWithoutOption()
    {
        var frame = Frames.NeighborSolicitation(dad: true);

        Assert.Equal(EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + NeighborMessage.FixedLength, frame.Length);
        var nd = Parse(frame, out var eth, out var ip);
        Assert.Equal(MacAddress.Parse("33:33:ff:00:00:09"), eth.Destination);
        Assert.Equal(IpAddr.V6Any, ip.Source);
        Assert.Equal(IpAddr.Parse("ff02::1:ff00:9"), ip.Destination);
        Assert.True(nd.IsSolicitation);
        Assert.Equal(Frames.PeerIPv6, nd.Target);
        Assert.False(nd.TryGetSourceLinkLayer(out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteNeighborAdvertisementFrame_AnsweringAsker_SetsSolicitedAndOverride(bool router)
    {
        var frame = new byte[128];
        int length = IcmpV6Writer.WriteNeighborAdvertisementFrame(frame, Frames.PeerMac, Frames.PeerIPv6, Frames.VmMac, Frames.VmIPv6, router);

        Assert.Equal(EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + 32, length);
        var nd = Parse(frame.AsSpan(0, length), out var eth, out var ip);
        Assert.Equal(Frames.VmMac, eth.Destination);
        Assert.Equal(Frames.PeerMac, eth.Source);
        Assert.Equal(Frames.PeerIPv6, ip.Source);
        Assert.Equal(Frames.VmIPv6, ip.Destination);
        Assert.Equal(255, ip.HopLimit);
        Assert.True(nd.IsAdvertisement);
        Assert.Equal(router, nd.Router);
        Assert.True(nd.Solicited);
        Assert.True(nd.Override);
        Assert.Equal((byte)(0x60 | (router ? 0x80 : 0)), nd.FlagBits);
        Assert.Equal(Frames.PeerIPv6, nd.Target);
        Assert.True(nd.TryGetTargetLinkLayer(out var targetMac));
        Assert.Equal(Frames.PeerMac, targetMac);
        Assert.False(nd.TryGetSourceLinkLayer(out _));
    }

    [Fact]
    public void WriteNeighborAdvertisementFrame_AnsweringDad_GoesToAllNodesUnsolicited()
    {
        var frame = new byte[128];
        int length = IcmpV6Writer.WriteNeighborAdvertisementFrame(frame, Frames.PeerMac, Frames.PeerIPv6, Frames.VmMac, IpAddr.V6Any);

        var nd = Parse(frame.AsSpan(0, length), out var eth, out var ip);
        Assert.Equal(AllNodesMac, eth.Destination);
        Assert.Equal(IpAddr.V6AllNodes, ip.Destination);
        Assert.False(nd.Solicited);
        Assert.True(nd.Override);
    }

    [Fact]
    public void WriteUnsolicitedNeighborAdvertisementFrame_ToAllNodes_OverrideOnly()
    {
        var frame = Frames.UnsolicitedNeighborAdvertisement();

        var nd = Parse(frame, out var eth, out var ip);
        Assert.Equal(AllNodesMac, eth.Destination);
        Assert.Equal(Frames.VmMac, eth.Source);
        Assert.Equal(Frames.VmIPv6, ip.Source);
        Assert.Equal(IpAddr.Parse("ff02::1"), ip.Destination);
        Assert.Equal(255, ip.HopLimit);
        Assert.True(nd.IsAdvertisement);
        Assert.False(nd.Router);
        Assert.False(nd.Solicited);
        Assert.True(nd.Override);
        Assert.Equal(Frames.VmIPv6, nd.Target);
        Assert.True(nd.TryGetTargetLinkLayer(out var mac));
        Assert.Equal(Frames.VmMac, mac);
    }

    [Fact]
    public void WriteUnsolicitedNeighborAdvertisementFrame_ToSolicitedNode_UsesOwnGroupAndMac()
    {
        var frame = Frames.UnsolicitedNeighborAdvertisement(toSolicitedNode: true);

        var nd = Parse(frame, out var eth, out var ip);
        Assert.Equal(MacAddress.Parse("33:33:ff:34:56:78"), eth.Destination);
        Assert.Equal(IpAddr.Parse("ff02::1:ff34:5678"), ip.Destination);
        Assert.False(nd.Solicited);
        Assert.True(nd.Override);
        Assert.Equal(Frames.VmIPv6, nd.Target);
    }

    [Fact]
    public void WriteUnsolicitedNeighborAdvertisementFrame_Router_SetsR()
    {
        var frame = new byte[128];
        int length = IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame(frame, Frames.GatewayMac, Frames.GatewayIPv6, router: true);

        var nd = Parse(frame.AsSpan(0, length), out _, out _);
        Assert.True(nd.Router);
        Assert.True(nd.Override);
        Assert.False(nd.Solicited);
    }

    [Fact]
    public void WriteNeighborAdvertisement_RandomFields_RoundTrip()
    {
        var flags = Gen.Byte[0, 7].Select(bits => (NeighborAdvertisementFlags)(bits << 5));
        Gen.Select(flags, PacketGen.UnicastIPv6, PacketGen.Mac, PacketGen.UnicastIPv6, PacketGen.IPv6).Sample((f, target, mac, src, dst) =>
        {
            var message = new byte[IcmpV6Writer.NeighborMessageWithOptionLength];
            IcmpV6Writer.WriteNeighborAdvertisement(message, f, target, mac, src, dst);
            bool refused = f.HasFlag(NeighborAdvertisementFlags.Solicited) && dst.IsMulticast;

            Assert.Equal(!refused, NeighborMessage.TryParse(message, 255, src, dst, out var nd, out var error));
            if (refused)
            {
                Assert.Equal(PacketError.BadFlags, error);
                return;
            }
            Assert.True(nd.IsAdvertisement);
            Assert.Equal(f.HasFlag(NeighborAdvertisementFlags.Router), nd.Router);
            Assert.Equal(f.HasFlag(NeighborAdvertisementFlags.Solicited), nd.Solicited);
            Assert.Equal(f.HasFlag(NeighborAdvertisementFlags.Override), nd.Override);
            Assert.Equal((byte)f, nd.FlagBits);
            Assert.Equal(target, nd.Target);
            Assert.True(nd.TryGetTargetLinkLayer(out var parsedMac));
            Assert.Equal(mac, parsedMac);
            Assert.True(IcmpV6Packet.TryParse(message, out var icmp, out _));
            Assert.True(icmp.IsChecksumValid(src, dst));
        }, iter: 2000);
    }

    [Fact]
    public void WriteNeighborSolicitation_RandomFields_RoundTrip()
    {
        Gen.Select(PacketGen.UnicastIPv6, Gen.Bool, PacketGen.Mac, PacketGen.UnicastIPv6).Sample((target, withOption, mac, src) =>
        {
            var group = target.SolicitedNodeMulticast();
            var message = new byte[IcmpV6Writer.NeighborMessageWithOptionLength];
            int length = IcmpV6Writer.WriteNeighborSolicitation(message, target, withOption ? mac : null, src, group);

            Assert.Equal(withOption ? 32 : 24, length);
            // From :: (duplicate address detection) a source link-layer option is forbidden.
            bool refused = withOption && src.IsUnspecified;
            Assert.Equal(!refused, NeighborMessage.TryParse(message.AsSpan(0, length), 255, src, group, out var nd, out var error));
            if (refused)
            {
                Assert.Equal(PacketError.BadOption, error);
                return;
            }
            Assert.True(nd.IsSolicitation);
            Assert.Equal(target, nd.Target);
            Assert.Equal(withOption, nd.TryGetSourceLinkLayer(out var parsedMac));
            Assert.Equal(withOption ? mac : default, parsedMac);
            Assert.True(IcmpV6Packet.TryParse(message.AsSpan(0, length), out var icmp, out _));
            Assert.True(icmp.IsChecksumValid(src, group));
        }, iter: 2000);
    }

    [Fact]
    public void TryParse_OptionsBeforeTheLinkLayerOne_AreSkipped()
    {
        // An NA with a nonce option (type 14, 8 bytes) before its target link-layer option.
        var message = new byte[40];
        IcmpV6Writer.WriteNeighborAdvertisement(message, NeighborAdvertisementFlags.Override, Frames.VmIPv6, Frames.VmMac, Frames.VmIPv6, IpAddr.V6AllNodes);
        message.AsSpan(24, 8).CopyTo(message.AsSpan(32));
        message[24] = 14;
        message[25] = 1;
        message.AsSpan(26, 6).Fill(0xAB);
        FixChecksum(message, Frames.VmIPv6, IpAddr.V6AllNodes);

        Assert.True(NeighborMessage.TryParse(message, 255, Frames.VmIPv6, IpAddr.V6AllNodes, out var nd, out _));
        Assert.True(nd.TryGetTargetLinkLayer(out var mac));
        Assert.Equal(Frames.VmMac, mac);
    }

    [Theory]
    [InlineData(254)]
    [InlineData(64)]
    [InlineData(1)]
    public void TryParse_HopLimitNot255_RefusesAsBadField(byte hopLimit)
    {
        var message = Solicitation(out var src, out var dst);

        Assert.False(NeighborMessage.TryParse(message, hopLimit, src, dst, out _, out var error));
        Assert.Equal(PacketError.BadField, error);
    }

    [Fact]
    public void TryParse_CodeNot0_RefusesAsBadField()
    {
        var message = Solicitation(out var src, out var dst);
        message[1] = 1;

        Assert.False(NeighborMessage.TryParse(message, 255, src, dst, out _, out var error));
        Assert.Equal(PacketError.BadField, error);
    }

    [Fact]
    public void TryParse_MulticastTarget_RefusesAsBadField()
    {
        var message = Solicitation(out var src, out var dst);
        IpAddr.V6AllNodes.WriteTo(message.AsSpan(8));

        Assert.False(NeighborMessage.TryParse(message, 255, src, dst, out _, out var error));
        Assert.Equal(PacketError.BadField, error);
    }

    [Fact]
    public void TryParse_ZeroLengthOption_RefusesAsBadOption()
    {
        var message = Solicitation(out var src, out var dst);
        message[25] = 0;

        Assert.False(NeighborMessage.TryParse(message, 255, src, dst, out _, out var error));
        Assert.Equal(PacketError.BadOption, error);
    }

    [Fact]
    public void TryParse_OptionPastTheEnd_RefusesAsBadOption()
    {
        var message = Solicitation(out var src, out var dst);
        message[25] = 2;

        Assert.False(NeighborMessage.TryParse(message, 255, src, dst, out _, out var error));
        Assert.Equal(PacketError.BadOption, error);
    }

    [Fact]
    public void TryParse_LoneOptionTypeByte_RefusesAsBadOption()
    {
        var message = Solicitation(out var src, out var dst);

        Assert.False(NeighborMessage.TryParse(message.AsSpan(0, 25), 255, src, dst, out _, out var error));
        Assert.Equal(PacketError.BadOption, error);
    }

    [Fact]
    public void TryParse_DadSolicitationWithSourceOption_RefusesAsBadOption()
    {
        var target = Frames.PeerIPv6;
        var group = target.SolicitedNodeMulticast();
        var message = new byte[32];
        IcmpV6Writer.WriteNeighborSolicitation(message, target, Frames.VmMac, IpAddr.V6Any, group);

        Assert.False(NeighborMessage.TryParse(message, 255, IpAddr.V6Any, group, out _, out var error));
        Assert.Equal(PacketError.BadOption, error);
    }

    [Fact]
    public void TryParse_DadSolicitationNotToSolicitedNodeGroup_RefusesAsBadField()
    {
        // RFC 4861 7.1.1: from the unspecified address, the destination is a solicited-node group.
        var target = Frames.PeerIPv6;
        var message = new byte[24];
        IcmpV6Writer.WriteNeighborSolicitation(message, target, null, IpAddr.V6Any, target);

        Assert.False(NeighborMessage.TryParse(message, 255, IpAddr.V6Any, target, out _, out var error));
        Assert.Equal(PacketError.BadField, error);
    }

    [Fact]
    public void TryParse_SolicitedAdvertisementToMulticast_RefusesAsBadFlags()
    {
        var message = new byte[32];
        IcmpV6Writer.WriteNeighborAdvertisement(message, NeighborAdvertisementFlags.Solicited, Frames.VmIPv6, Frames.VmMac, Frames.VmIPv6, IpAddr.V6AllNodes);

        Assert.False(NeighborMessage.TryParse(message, 255, Frames.VmIPv6, IpAddr.V6AllNodes, out _, out var error));
        Assert.Equal(PacketError.BadFlags, error);
    }

    [Theory]
    [InlineData(IcmpV6Packet.TypeEchoRequest)]
    [InlineData(IcmpV6Packet.TypeRouterAdvertisement)]
    public void TryParse_OtherIcmpType_RefusesAsUnsupported(byte type)
    {
        var message = Solicitation(out var src, out var dst);
        message[0] = type;

        Assert.False(NeighborMessage.TryParse(message, 255, src, dst, out _, out var error));
        Assert.Equal(PacketError.Unsupported, error);
    }

    [Fact]
    public void TryParse_WrongChecksum_RefusesAsBadChecksum()
    {
        // RFC 4861 7.1.1 and 7.1.2: a receiver silently discards a message whose ICMP checksum is wrong.
        var message = Solicitation(out var src, out var dst);
        message[3] ^= 0x01;

        Assert.False(NeighborMessage.TryParse(message, 255, src, dst, out _, out var error));
        Assert.Equal(PacketError.BadChecksum, error);
    }

    [Fact]
    public void TryParse_ChecksumOverOtherAddresses_RefusesAsBadChecksum()
    {
        // The pseudo-header covers the addresses: the same bytes from another source do not verify.
        var message = Solicitation(out _, out var dst);

        Assert.False(NeighborMessage.TryParse(message, 255, Frames.PeerIPv6, dst, out _, out var error));
        Assert.Equal(PacketError.BadChecksum, error);
    }

    [Fact]
    public void TryParse_ShorterThan24Bytes_RefusesAsTruncated()
    {
        var message = Solicitation(out var src, out var dst);

        Assert.False(NeighborMessage.TryParse(message.AsSpan(0, 23), 255, src, dst, out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    private static byte[] Solicitation(out IpAddr source, out IpAddr destination)
    {
        source = Frames.VmIPv6;
        destination = Frames.PeerIPv6.SolicitedNodeMulticast();
        var message = new byte[32];
        IcmpV6Writer.WriteNeighborSolicitation(message, Frames.PeerIPv6, Frames.VmMac, source, destination);
        return message;
    }

    private static void FixChecksum(byte[] message, IpAddr source, IpAddr destination)
    {
        message[2] = message[3] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), Checksum.ComputeTransport(source, destination, IpProtocol.IcmpV6, message));
    }

    private static NeighborMessage Parse(ReadOnlySpan<byte> frame, out EthernetFrame eth, out IPv6Packet ip)
    {
        Assert.True(EthernetFrame.TryParse(frame, out eth, out _));
        Assert.Equal(EtherType.IPv6, eth.EtherType);
        Assert.True(IPv6Packet.TryParse(eth.Payload, out ip, out _));
        Assert.Equal(IpProtocol.IcmpV6, ip.NextHeader);
        Assert.True(IcmpV6Packet.TryParse(ip.Payload, out var icmp, out _));
        Assert.True(icmp.IsChecksumValid(ip.Source, ip.Destination));
        Assert.True(NeighborMessage.TryParse(ip.Payload, ip.HopLimit, ip.Source, ip.Destination, out var nd, out var error));
        Assert.Equal(PacketError.None, error);
        return nd;
    }
}
