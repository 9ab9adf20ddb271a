using CsCheck;

namespace Nvo3.Packets.Tests;

public class ArpPacketTests
{
    [Fact]
    public void WriteRequestFrame_ThenParse_AsksForTargetFromBroadcast()
    {
        var frame = Frames.ArpRequest();

        var arp = ParseFrame(frame, MacAddress.Broadcast, Frames.VmMac, EtherType.Arp);
        Assert.Equal(ArpOperation.Request, arp.Operation);
        Assert.Equal(Frames.VmMac, arp.SenderMac);
        Assert.Equal(Frames.VmIPv4, arp.SenderIp);
        Assert.Equal(MacAddress.Zero, arp.TargetMac);
        Assert.Equal(Frames.PeerIPv4, arp.TargetIp);
        Assert.False(arp.IsGratuitous);
        Assert.False(arp.IsProbe);
        Assert.False(arp.IsRarpAnnounce);
    }

    [Fact]
    public void WriteReplyFrame_ThenParse_AnswersTheAsker()
    {
        var frame = Frames.ArpReply();

        var arp = ParseFrame(frame, Frames.VmMac, Frames.PeerMac, EtherType.Arp);
        Assert.Equal(ArpOperation.Reply, arp.Operation);
        Assert.Equal(Frames.PeerMac, arp.SenderMac);
        Assert.Equal(Frames.PeerIPv4, arp.SenderIp);
        Assert.Equal(Frames.VmMac, arp.TargetMac);
        Assert.Equal(Frames.VmIPv4, arp.TargetIp);
        Assert.False(arp.IsGratuitous);
    }

    [Fact]
    public void WriteGratuitousFrame_Request_SenderIpEqualsTargetIp()
    {
        var frame = Frames.GratuitousArp();

        var arp = ParseFrame(frame, MacAddress.Broadcast, Frames.VmMac, EtherType.Arp);
        Assert.Equal(ArpOperation.Request, arp.Operation);
        Assert.Equal(Frames.VmMac, arp.SenderMac);
        Assert.Equal(Frames.VmIPv4, arp.SenderIp);
        Assert.Equal(MacAddress.Zero, arp.TargetMac);
        Assert.Equal(Frames.VmIPv4, arp.TargetIp);
        Assert.True(arp.IsGratuitous);
        Assert.False(arp.IsProbe);
    }

    [Fact]
    public void WriteGratuitousFrame_Reply_SenderIpEqualsTargetIpAndTargetMacIsOwn()
    {
        var frame = Frames.GratuitousArp(asReply: true);

        var arp = ParseFrame(frame, MacAddress.Broadcast, Frames.VmMac, EtherType.Arp);
        Assert.Equal(ArpOperation.Reply, arp.Operation);
        Assert.Equal(Frames.VmMac, arp.SenderMac);
        Assert.Equal(Frames.VmIPv4, arp.SenderIp);
        Assert.Equal(Frames.VmMac, arp.TargetMac);
        Assert.Equal(Frames.VmIPv4, arp.TargetIp);
        Assert.True(arp.IsGratuitous);
    }

    [Fact]
    public void WriteRarpAnnounceFrame_VmMac_IsTheFrameQemuSends()
    {
        var frame = Frames.RarpAnnounce();

        // QEMU's announce (net/announce.c): 60 bytes, broadcast, type 0x8035, opcode 3, the VM's MAC
        // as sender and target hardware address, both IPs 0.0.0.0, zero padding.
        byte[] expected =
        [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x80, 0x35,
            0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x03,
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00,
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        Assert.Equal(expected, frame);
        var arp = ParseFrame(frame, MacAddress.Broadcast, Frames.VmMac, EtherType.Rarp);
        Assert.Equal(ArpOperation.ReverseRequest, arp.Operation);
        Assert.Equal(Frames.VmMac, arp.SenderMac);
        Assert.Equal(Frames.VmMac, arp.TargetMac);
        Assert.Equal(IpAddr.V4Any, arp.SenderIp);
        Assert.Equal(IpAddr.V4Any, arp.TargetIp);
        Assert.True(arp.IsRarpAnnounce);
        Assert.False(arp.IsGratuitous);
    }

    [Fact]
    public void WriteRarpRequestFrame_KnownMac_IsTheAnnounce()
    {
        var frame = new byte[60];
        ArpWriter.WriteRarpRequestFrame(frame, Frames.VmMac);

        Assert.Equal(Frames.RarpAnnounce(), frame);
    }

    [Fact]
    public void WriteRarpReplyFrame_ThenParse_GivesClientItsIp()
    {
        var frame = new byte[60];
        Assert.Equal(60, ArpWriter.WriteRarpReplyFrame(frame, Frames.GatewayMac, Frames.GatewayIPv4, Frames.VmMac, Frames.VmIPv4));

        var arp = ParseFrame(frame, Frames.VmMac, Frames.GatewayMac, EtherType.Rarp);
        Assert.Equal(ArpOperation.ReverseReply, arp.Operation);
        Assert.Equal(Frames.GatewayMac, arp.SenderMac);
        Assert.Equal(Frames.GatewayIPv4, arp.SenderIp);
        Assert.Equal(Frames.VmMac, arp.TargetMac);
        Assert.Equal(Frames.VmIPv4, arp.TargetIp);
        Assert.False(arp.IsRarpAnnounce);
    }

    [Fact]
    public void IsProbe_RequestFromZeroAddress_IsTrue()
    {
        var frame = new byte[60];
        ArpWriter.WriteRequestFrame(frame, Frames.VmMac, IpAddr.V4Any, Frames.VmIPv4);

        var arp = ParseFrame(frame, MacAddress.Broadcast, Frames.VmMac, EtherType.Arp);
        Assert.True(arp.IsProbe);
        Assert.False(arp.IsGratuitous);
    }

    [Fact]
    public void WriteFrame_RandomFields_RoundTrip()
    {
        var operations = Gen.OneOfConst(ArpOperation.Request, ArpOperation.Reply, ArpOperation.ReverseRequest, ArpOperation.ReverseReply);
        Gen.Select(PacketGen.Mac, PacketGen.Mac, operations, PacketGen.Mac, PacketGen.IPv4, PacketGen.Mac, PacketGen.IPv4)
            .Sample((ethDst, ethSrc, op, senderMac, senderIp, targetMac, targetIp) =>
            {
                var frame = new byte[64];
                Assert.Equal(60, ArpWriter.WriteFrame(frame, ethDst, ethSrc, op, senderMac, senderIp, targetMac, targetIp));
                bool reverse = op is ArpOperation.ReverseRequest or ArpOperation.ReverseReply;

                var arp = ParseFrame(frame.AsSpan(0, 60), ethDst, ethSrc, reverse ? EtherType.Rarp : EtherType.Arp);
                Assert.Equal(op, arp.Operation);
                Assert.Equal(senderMac, arp.SenderMac);
                Assert.Equal(senderIp, arp.SenderIp);
                Assert.Equal(targetMac, arp.TargetMac);
                Assert.Equal(targetIp, arp.TargetIp);
                Assert.Equal(!reverse && senderIp == targetIp && !senderIp.IsUnspecified, arp.IsGratuitous);
                Assert.Equal(op == ArpOperation.Request && senderIp.IsUnspecified && !targetIp.IsUnspecified, arp.IsProbe);
                Assert.Equal(op == ArpOperation.ReverseRequest && senderIp.IsUnspecified && targetIp.IsUnspecified && senderMac == targetMac,
                    arp.IsRarpAnnounce);
                Assert.All(frame[42..60], b => Assert.Equal(0, b));
            }, iter: 2000);
    }

    [Fact]
    public void TryParse_ShorterThan28Bytes_RefusesAsTruncated()
    {
        var packet = new byte[ArpPacket.Length];
        ArpWriter.Write(packet, ArpOperation.Request, Frames.VmMac, Frames.VmIPv4, MacAddress.Zero, Frames.PeerIPv4);

        Assert.False(ArpPacket.TryParse(packet.AsSpan(0, ArpPacket.Length - 1), out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Theory]
    [InlineData(0, 0x00)] // hardware type 6 (IEEE 802), set below
    [InlineData(2, 0x86)] // protocol type 0x8600
    [InlineData(4, 0x08)] // hardware length 8
    [InlineData(5, 0x10)] // protocol length 16
    public void TryParse_NotEthernetIPv4_RefusesAsUnsupported(int offset, byte value)
    {
        var packet = new byte[ArpPacket.Length];
        ArpWriter.Write(packet, ArpOperation.Request, Frames.VmMac, Frames.VmIPv4, MacAddress.Zero, Frames.PeerIPv4);
        packet[offset] = value;
        if (offset == 0)
        {
            packet[1] = 6;
        }

        Assert.False(ArpPacket.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.Unsupported, error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(0x100)]
    public void TryParse_OperationOutside1To4_RefusesAsBadField(int operation)
    {
        var packet = new byte[ArpPacket.Length];
        ArpWriter.Write(packet, (ArpOperation)operation, Frames.VmMac, Frames.VmIPv4, MacAddress.Zero, Frames.PeerIPv4);

        Assert.False(ArpPacket.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadField, error);
    }

    [Fact]
    public void Write_IPv6Address_Throws()
    {
        var packet = new byte[ArpPacket.Length];

        Assert.Throws<ArgumentException>(() => ArpWriter.Write(packet, ArpOperation.Request, Frames.VmMac, Frames.VmIPv6, MacAddress.Zero, Frames.PeerIPv4));
    }

    private static ArpPacket ParseFrame(ReadOnlySpan<byte> frame, MacAddress ethDst, MacAddress ethSrc, ushort etherType)
    {
        Assert.Equal(EthernetFrame.MinimumFrameLength, frame.Length);
        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        Assert.Equal(ethDst, eth.Destination);
        Assert.Equal(ethSrc, eth.Source);
        Assert.Equal(etherType, eth.EtherType);
        Assert.True(ArpPacket.TryParse(eth.Payload, out var arp, out var error));
        Assert.Equal(PacketError.None, error);
        return arp;
    }
}
