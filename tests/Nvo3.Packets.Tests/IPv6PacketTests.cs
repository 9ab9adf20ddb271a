using CsCheck;

namespace Nvo3.Packets.Tests;

public class IPv6PacketTests
{
    [Fact]
    public void WriteHeader_ThenParse_KeepsEveryField()
    {
        var packet = new byte[IPv6Packet.HeaderLength + 3];
        int written = IPv6Writer.WriteHeader(packet, Frames.VmIPv6, Frames.PeerIPv6, IpProtocol.Tcp, 3,
            hopLimit: 9, trafficClass: 0xB8, flowLabel: 0xABCDE);
        "xyz"u8.CopyTo(packet.AsSpan(written));

        Assert.Equal(IPv6Packet.HeaderLength, written);
        Assert.True(IPv6Packet.TryParse(packet, out var ip, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(0xB8, ip.TrafficClass);
        Assert.Equal(0xABCDEu, ip.FlowLabel);
        Assert.Equal(3, ip.PayloadLength);
        Assert.Equal(IpProtocol.Tcp, ip.NextHeader);
        Assert.Equal(9, ip.HopLimit);
        Assert.Equal(Frames.VmIPv6, ip.Source);
        Assert.Equal(Frames.PeerIPv6, ip.Destination);
        Assert.Equal("xyz"u8.ToArray(), ip.Payload.ToArray());
        Assert.Equal(packet, ip.Bytes.ToArray());
        Assert.Equal(new byte[] { 0x6B, 0x8A, 0xBC, 0xDE, 0x00, 0x03, 0x06, 0x09 }, packet[..8]);
    }

    [Fact]
    public void WriteHeader_RandomFields_RoundTrip()
    {
        Gen.Select(PacketGen.IPv6, PacketGen.IPv6, Gen.Byte, Gen.Byte, Gen.Byte, Gen.UInt[0, 0xF_FFFF], PacketGen.Bytes(100))
            .Sample((src, dst, nextHeader, hopLimit, trafficClass, flowLabel, payload) =>
            {
                var packet = new byte[IPv6Packet.HeaderLength + payload.Length + 5];
                IPv6Writer.WriteHeader(packet, src, dst, nextHeader, payload.Length, hopLimit, trafficClass, flowLabel);
                payload.CopyTo(packet, IPv6Packet.HeaderLength);

                Assert.True(IPv6Packet.TryParse(packet, out var ip, out var error));
                Assert.Equal(PacketError.None, error);
                Assert.Equal(src, ip.Source);
                Assert.Equal(dst, ip.Destination);
                Assert.Equal(nextHeader, ip.NextHeader);
                Assert.Equal(hopLimit, ip.HopLimit);
                Assert.Equal(trafficClass, ip.TrafficClass);
                Assert.Equal(flowLabel, ip.FlowLabel);
                Assert.Equal(payload.Length, ip.PayloadLength);
                Assert.Equal(IPv6Packet.HeaderLength + payload.Length, ip.Bytes.Length);
                Assert.Equal(payload, ip.Payload.ToArray());
            }, iter: 2000);
    }

    [Fact]
    public void WriteHeader_FlowLabelOver20Bits_KeepsLow20()
    {
        var packet = new byte[IPv6Packet.HeaderLength];
        IPv6Writer.WriteHeader(packet, Frames.VmIPv6, Frames.PeerIPv6, IpProtocol.Udp, 0, flowLabel: 0xFFF_FFFF);

        Assert.True(IPv6Packet.TryParse(packet, out var ip, out _));
        Assert.Equal(0xF_FFFFu, ip.FlowLabel);
        Assert.Equal(0, ip.TrafficClass);
        Assert.Equal(6, packet[0] >> 4);
    }

    [Fact]
    public void TryParse_ShorterThan40Bytes_RefusesAsTruncated()
    {
        Assert.False(IPv6Packet.TryParse(new byte[39], out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Fact]
    public void TryParse_VersionNot6_RefusesAsBadVersion()
    {
        var packet = new byte[IPv6Packet.HeaderLength];
        IPv6Writer.WriteHeader(packet, Frames.VmIPv6, Frames.PeerIPv6, IpProtocol.Udp, 0);
        packet[0] = 0x45;

        Assert.False(IPv6Packet.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadVersion, error);
    }

    [Fact]
    public void TryParse_PayloadLengthBeyondData_RefusesAsTruncated()
    {
        var packet = new byte[IPv6Packet.HeaderLength + 8];
        IPv6Writer.WriteHeader(packet, Frames.VmIPv6, Frames.PeerIPv6, IpProtocol.Udp, 9);

        Assert.False(IPv6Packet.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Fact]
    public void WriteHeader_IPv4Address_Throws()
    {
        var packet = new byte[IPv6Packet.HeaderLength];

        Assert.Throws<ArgumentException>(() => IPv6Writer.WriteHeader(packet, Frames.VmIPv6, Frames.PeerIPv4, IpProtocol.Udp, 0));
    }

    [Fact]
    public void WriteHeader_PayloadOver65535Bytes_Throws()
    {
        var packet = new byte[IPv6Packet.HeaderLength];

        Assert.Throws<ArgumentException>(() => IPv6Writer.WriteHeader(packet, Frames.VmIPv6, Frames.PeerIPv6, IpProtocol.Udp, 65536));
    }
}
