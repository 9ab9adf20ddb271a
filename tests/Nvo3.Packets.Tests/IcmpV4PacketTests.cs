using CsCheck;

namespace Nvo3.Packets.Tests;

public class IcmpV4PacketTests
{
    [Theory]
    [InlineData(false, IcmpV4Packet.TypeEchoRequest)]
    [InlineData(true, IcmpV4Packet.TypeEchoReply)]
    public void WriteEcho_ThenParse_KeepsEveryField(bool reply, byte type)
    {
        var message = new byte[IcmpV4Packet.HeaderLength + 5];
        Assert.Equal(13, IcmpV4Writer.WriteEcho(message, reply, 0x1234, 0x5678, "hello"u8));

        Assert.True(IcmpV4Packet.TryParse(message, out var icmp, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(type, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(0x1234, icmp.Identifier);
        Assert.Equal(0x5678, icmp.SequenceNumber);
        Assert.Equal("hello"u8.ToArray(), icmp.Body.ToArray());
        Assert.True(icmp.IsChecksumValid);
    }

    [Fact]
    public void WriteEcho_RandomFields_RoundTrip()
    {
        Gen.Select(Gen.Bool, Gen.UShort, Gen.UShort, PacketGen.Payload).Sample((reply, id, sequence, data) =>
        {
            var message = new byte[IcmpV4Packet.HeaderLength + data.Length];
            IcmpV4Writer.WriteEcho(message, reply, id, sequence, data);

            Assert.True(IcmpV4Packet.TryParse(message, out var icmp, out _));
            Assert.Equal(reply ? IcmpV4Packet.TypeEchoReply : IcmpV4Packet.TypeEchoRequest, icmp.Type);
            Assert.Equal(id, icmp.Identifier);
            Assert.Equal(sequence, icmp.SequenceNumber);
            Assert.Equal(data, icmp.Body.ToArray());
            Assert.True(icmp.IsChecksumValid);
        }, iter: 1000);
    }

    [Fact]
    public void WriteEchoFrame_ThenParse_IsAPaddedIPv4Frame()
    {
        var frame = new byte[64];
        int length = IcmpV4Writer.WriteEchoFrame(frame, Frames.PeerMac, Frames.VmMac, Frames.VmIPv4, Frames.PeerIPv4, false, 1, 2, "p"u8);

        Assert.Equal(EthernetFrame.MinimumFrameLength, length);
        Assert.True(EthernetFrame.TryParse(frame.AsSpan(0, length), out var eth, out _));
        Assert.Equal(EtherType.IPv4, eth.EtherType);
        Assert.True(IPv4Packet.TryParse(eth.Payload, out var ip, out _));
        Assert.Equal(IpProtocol.Icmp, ip.Protocol);
        Assert.Equal(Frames.VmIPv4, ip.Source);
        Assert.Equal(Frames.PeerIPv4, ip.Destination);
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.True(IcmpV4Packet.TryParse(ip.Payload, out var icmp, out _));
        Assert.Equal(9, ip.Payload.Length);
        Assert.Equal("p"u8.ToArray(), icmp.Body.ToArray());
        Assert.True(icmp.IsChecksumValid);
    }

    [Fact]
    public void WriteDestinationUnreachableFrame_UdpOriginal_QuotesItWholeAndAnswersItsSender()
    {
        var original = Frames.UdpPacket(v6: false);
        var frame = Frames.IcmpV4Unreachable();

        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        Assert.Equal(Frames.VmMac, eth.Destination);
        Assert.Equal(Frames.GatewayMac, eth.Source);
        Assert.True(IPv4Packet.TryParse(eth.Payload, out var ip, out _));
        Assert.Equal(Frames.GatewayIPv4, ip.Source);
        Assert.Equal(Frames.VmIPv4, ip.Destination);
        Assert.Equal(IpProtocol.Icmp, ip.Protocol);
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.True(IcmpV4Packet.TryParse(ip.Payload, out var icmp, out _));
        Assert.Equal(IcmpV4Packet.TypeDestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpV4Packet.CodeHostUnreachable, icmp.Code);
        Assert.Equal(0u, (uint)((icmp.Identifier << 16) | icmp.SequenceNumber)); // unused word
        Assert.True(icmp.IsChecksumValid);
        Assert.Equal(original, icmp.Body.ToArray());
        Assert.True(IPv4Packet.TryParse(icmp.Body, out var quoted, out _));
        Assert.Equal(Frames.VmIPv4, quoted.Source);
        Assert.Equal(Frames.PeerIPv4, quoted.Destination);
        Assert.True(UdpDatagram.TryParse(quoted.Payload, out var udp, out _));
        Assert.Equal(40000, udp.SourcePort);
    }

    [Fact]
    public void WriteDestinationUnreachable_LongOriginal_QuotesSoErrorFits576Bytes()
    {
        var original = Frames.UdpPacket(v6: false, payload: new byte[1400]);
        var message = new byte[2000];

        int length = IcmpV4Writer.WriteDestinationUnreachable(message, 3, original);

        Assert.Equal(576 - IPv4Packet.MinHeaderLength, length);
        Assert.Equal(original[..IcmpV4Writer.MaxQuote], message[8..length]);
        Assert.True(IcmpV4Packet.TryParse(message.AsSpan(0, length), out var icmp, out _));
        Assert.True(icmp.IsChecksumValid);
    }

    [Fact]
    public void WriteDestinationUnreachableFrame_OriginalNotIPv4_Throws()
    {
        var frame = new byte[200];

        Assert.Throws<ArgumentException>(() => IcmpV4Writer.WriteDestinationUnreachableFrame(frame, Frames.VmMac, Frames.GatewayMac,
            Frames.GatewayIPv4, 1, Frames.UdpPacket(v6: true)));
    }

    [Fact]
    public void IsChecksumValid_BodyByteChanged_IsFalse()
    {
        var message = new byte[12];
        IcmpV4Writer.WriteEcho(message, false, 1, 1, "abcd"u8);
        message[10] ^= 0x40;

        Assert.True(IcmpV4Packet.TryParse(message, out var icmp, out _));
        Assert.False(icmp.IsChecksumValid);
    }

    [Fact]
    public void TryParse_ShorterThan8Bytes_RefusesAsTruncated()
    {
        Assert.False(IcmpV4Packet.TryParse(new byte[7], out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }
}
