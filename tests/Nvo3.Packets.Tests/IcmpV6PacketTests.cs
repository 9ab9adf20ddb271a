using CsCheck;

namespace Nvo3.Packets.Tests;

public class IcmpV6PacketTests
{
    [Theory]
    [InlineData(false, IcmpV6Packet.TypeEchoRequest)]
    [InlineData(true, IcmpV6Packet.TypeEchoReply)]
    public void WriteEcho_ThenParse_KeepsEveryField(bool reply, byte type)
    {
        var message = new byte[IcmpV6Packet.HeaderLength + 5];
        Assert.Equal(13, IcmpV6Writer.WriteEcho(message, reply, 0x1234, 0x5678, "hello"u8, Frames.VmIPv6, Frames.PeerIPv6));

        Assert.True(IcmpV6Packet.TryParse(message, out var icmp, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(type, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(0x1234, icmp.Identifier);
        Assert.Equal(0x5678, icmp.SequenceNumber);
        Assert.Equal("hello"u8.ToArray(), icmp.Body.ToArray());
        Assert.Equal(message, icmp.Bytes.ToArray());
        Assert.True(icmp.IsChecksumValid(Frames.VmIPv6, Frames.PeerIPv6));
        Assert.False(icmp.IsChecksumValid(Frames.VmIPv6, Frames.GatewayIPv6));
    }

    [Fact]
    public void WriteEcho_RandomFields_RoundTrip()
    {
        Gen.Select(Gen.Bool, Gen.UShort, Gen.UShort, PacketGen.Payload, PacketGen.IPv6, PacketGen.IPv6).Sample((reply, id, sequence, data, src, dst) =>
        {
            var message = new byte[IcmpV6Packet.HeaderLength + data.Length];
            IcmpV6Writer.WriteEcho(message, reply, id, sequence, data, src, dst);

            Assert.True(IcmpV6Packet.TryParse(message, out var icmp, out _));
            Assert.Equal(reply ? IcmpV6Packet.TypeEchoReply : IcmpV6Packet.TypeEchoRequest, icmp.Type);
            Assert.Equal(id, icmp.Identifier);
            Assert.Equal(sequence, icmp.SequenceNumber);
            Assert.Equal(data, icmp.Body.ToArray());
            Assert.True(icmp.IsChecksumValid(src, dst));
        }, iter: 1000);
    }

    [Fact]
    public void WriteEchoFrame_ThenParse_IsAnIPv6Frame()
    {
        var frame = new byte[128];
        int length = IcmpV6Writer.WriteEchoFrame(frame, Frames.PeerMac, Frames.VmMac, Frames.VmIPv6, Frames.PeerIPv6, true, 3, 4, "pong"u8);

        Assert.Equal(EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + 12, length);
        Assert.True(EthernetFrame.TryParse(frame.AsSpan(0, length), out var eth, out _));
        Assert.Equal(EtherType.IPv6, eth.EtherType);
        Assert.True(IPv6Packet.TryParse(eth.Payload, out var ip, out _));
        Assert.Equal(IpProtocol.IcmpV6, ip.NextHeader);
        Assert.Equal(12, ip.PayloadLength);
        Assert.True(IcmpV6Packet.TryParse(ip.Payload, out var icmp, out _));
        Assert.Equal(IcmpV6Packet.TypeEchoReply, icmp.Type);
        Assert.True(icmp.IsChecksumValid(ip.Source, ip.Destination));
    }

    [Fact]
    public void WriteDestinationUnreachableFrame_UdpOriginal_QuotesItAndAnswersItsSender()
    {
        var original = Frames.UdpPacket(v6: true);
        var frame = Frames.IcmpV6Unreachable();

        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        Assert.Equal(Frames.VmMac, eth.Destination);
        Assert.Equal(Frames.GatewayMac, eth.Source);
        Assert.True(IPv6Packet.TryParse(eth.Payload, out var ip, out _));
        Assert.Equal(Frames.GatewayIPv6, ip.Source);
        Assert.Equal(Frames.VmIPv6, ip.Destination);
        Assert.Equal(IpProtocol.IcmpV6, ip.NextHeader);
        Assert.True(IcmpV6Packet.TryParse(ip.Payload, out var icmp, out _));
        Assert.Equal(IcmpV6Packet.TypeDestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpV6Packet.CodeAddressUnreachable, icmp.Code);
        Assert.True(icmp.IsChecksumValid(ip.Source, ip.Destination));
        Assert.Equal(original, icmp.Body.ToArray());
        Assert.True(IPv6Packet.TryParse(icmp.Body, out var quoted, out _));
        Assert.Equal(Frames.VmIPv6, quoted.Source);
        Assert.Equal(Frames.PeerIPv6, quoted.Destination);
    }

    [Fact]
    public void WriteDestinationUnreachable_LongOriginal_QuotesSoErrorFitsMinimumMtu()
    {
        var original = Frames.UdpPacket(v6: true, payload: new byte[1400]);
        var message = new byte[2000];

        int length = IcmpV6Writer.WriteDestinationUnreachable(message, 3, original, Frames.GatewayIPv6, Frames.VmIPv6);

        Assert.Equal(1280 - IPv6Packet.HeaderLength, length);
        Assert.Equal(original[..IcmpV6Writer.MaxQuote], message[8..length]);
        Assert.True(IcmpV6Packet.TryParse(message.AsSpan(0, length), out var icmp, out _));
        Assert.True(icmp.IsChecksumValid(Frames.GatewayIPv6, Frames.VmIPv6));
    }

    [Fact]
    public void WriteDestinationUnreachableFrame_OriginalNotIPv6_Throws()
    {
        var frame = new byte[200];

        Assert.Throws<ArgumentException>(() => IcmpV6Writer.WriteDestinationUnreachableFrame(frame, Frames.VmMac, Frames.GatewayMac,
            Frames.GatewayIPv6, 3, Frames.UdpPacket(v6: false)));
    }

    [Fact]
    public void TryParse_ShorterThan8Bytes_RefusesAsTruncated()
    {
        Assert.False(IcmpV6Packet.TryParse(new byte[7], out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }
}
