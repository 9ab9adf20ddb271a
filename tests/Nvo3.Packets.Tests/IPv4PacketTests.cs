using CsCheck;

namespace Nvo3.Packets.Tests;

public class IPv4PacketTests
{
    [Fact]
    public void WriteHeader_ThenParse_KeepsEveryField()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength + 3];
        int written = IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 3,
            ttl: 17, identification: 0xBEEF, dontFragment: false, typeOfService: 0xB8);
        "abc"u8.CopyTo(packet.AsSpan(written));

        Assert.Equal(IPv4Packet.MinHeaderLength, written);
        Assert.True(IPv4Packet.TryParse(packet, out var ip, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(20, ip.HeaderLength);
        Assert.Equal(0xB8, ip.TypeOfService);
        Assert.Equal(23, ip.TotalLength);
        Assert.Equal(0xBEEF, ip.Identification);
        Assert.False(ip.DontFragment);
        Assert.False(ip.MoreFragments);
        Assert.Equal(0, ip.FragmentOffset);
        Assert.False(ip.IsFragment);
        Assert.Equal(17, ip.Ttl);
        Assert.Equal(IpProtocol.Udp, ip.Protocol);
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.Equal(Checksum.Compute(ZeroChecksum(packet[..20], 10)), ip.HeaderChecksum);
        Assert.Equal(Frames.VmIPv4, ip.Source);
        Assert.Equal(Frames.PeerIPv4, ip.Destination);
        Assert.Equal(packet[..20], ip.Header.ToArray());
        Assert.Equal("abc"u8.ToArray(), ip.Payload.ToArray());
        Assert.Equal(packet, ip.Bytes.ToArray());
    }

    [Fact]
    public void WriteHeader_Defaults_DontFragmentTtl64()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Tcp, 0);

        Assert.True(IPv4Packet.TryParse(packet, out var ip, out _));
        Assert.True(ip.DontFragment);
        Assert.Equal(64, ip.Ttl);
        Assert.Equal(0, ip.Identification);
        Assert.Equal(0, ip.TypeOfService);
        Assert.Equal(0x45, packet[0]);
    }

    [Fact]
    public void WriteHeader_RandomFields_RoundTrip()
    {
        Gen.Select(PacketGen.IPv4, PacketGen.IPv4, Gen.Byte, Gen.Byte, Gen.UShort, Gen.Bool, Gen.Byte, PacketGen.Bytes(100))
            .Sample((src, dst, protocol, ttl, id, df, tos, payload) =>
            {
                var packet = new byte[IPv4Packet.MinHeaderLength + payload.Length + 7];
                IPv4Writer.WriteHeader(packet, src, dst, protocol, payload.Length, ttl, id, df, tos);
                payload.CopyTo(packet, IPv4Packet.MinHeaderLength);

                // Seven bytes of trailing garbage stand for Ethernet padding; the total length ends the packet.
                Assert.True(IPv4Packet.TryParse(packet, out var ip, out var error));
                Assert.Equal(PacketError.None, error);
                Assert.Equal(src, ip.Source);
                Assert.Equal(dst, ip.Destination);
                Assert.Equal(protocol, ip.Protocol);
                Assert.Equal(ttl, ip.Ttl);
                Assert.Equal(id, ip.Identification);
                Assert.Equal(df, ip.DontFragment);
                Assert.Equal(tos, ip.TypeOfService);
                Assert.Equal(IPv4Packet.MinHeaderLength + payload.Length, ip.TotalLength);
                Assert.Equal(ip.TotalLength, ip.Bytes.Length);
                Assert.Equal(payload, ip.Payload.ToArray());
                Assert.True(ip.IsHeaderChecksumValid);
            }, iter: 2000);
    }

    [Fact]
    public void TryParse_HeaderWithOptions_PayloadStartsAfterThem()
    {
        // IHL 6: a 4-byte option (router alert, RFC 2113) before the payload.
        var packet = new byte[28];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 8);
        packet[0] = 0x46;
        packet.AsSpan(20, 4).Clear();
        "\x94\x04\x00\x00"u8.CopyTo(packet.AsSpan(20));
        packet[10] = packet[11] = 0;
        ushort sum = Checksum.Compute(packet.AsSpan(0, 24));
        packet[10] = (byte)(sum >> 8);
        packet[11] = (byte)sum;

        Assert.True(IPv4Packet.TryParse(packet, out var ip, out _));
        Assert.Equal(24, ip.HeaderLength);
        Assert.Equal(4, ip.Payload.Length);
        Assert.True(ip.IsHeaderChecksumValid);
    }

    [Fact]
    public void TryParse_Fragment_ReportsFlagsAndOffset()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 0, dontFragment: false);
        packet[6] = 0x20 | 0x01; // MF, offset 0x123 * 8
        packet[7] = 0x23;

        Assert.True(IPv4Packet.TryParse(packet, out var ip, out _));
        Assert.True(ip.MoreFragments);
        Assert.False(ip.DontFragment);
        Assert.Equal(0x123, ip.FragmentOffset);
        Assert.True(ip.IsFragment);
        Assert.False(ip.IsHeaderChecksumValid);
    }

    [Fact]
    public void IsHeaderChecksumValid_OneBitFlipped_IsFalse()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 0);
        packet[8] ^= 0x01;

        Assert.True(IPv4Packet.TryParse(packet, out var ip, out _));
        Assert.False(ip.IsHeaderChecksumValid);
    }

    [Fact]
    public void TryParse_ShorterThan20Bytes_RefusesAsTruncated()
    {
        Assert.False(IPv4Packet.TryParse(new byte[19], out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Theory]
    [InlineData(0x65)]
    [InlineData(0x05)]
    public void TryParse_VersionNot4_RefusesAsBadVersion(byte versionAndIhl)
    {
        var packet = new byte[IPv4Packet.MinHeaderLength];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 0);
        packet[0] = versionAndIhl;

        Assert.False(IPv4Packet.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadVersion, error);
    }

    [Fact]
    public void TryParse_IhlUnder5_RefusesAsBadLength()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 0);
        packet[0] = 0x44;

        Assert.False(IPv4Packet.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadLength, error);
    }

    [Fact]
    public void TryParse_TotalLengthShorterThanHeader_RefusesAsBadLength()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 0);
        packet[3] = 19;

        Assert.False(IPv4Packet.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadLength, error);
    }

    [Fact]
    public void TryParse_TotalLengthBeyondData_RefusesAsTruncated()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength + 10];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 10);

        Assert.False(IPv4Packet.TryParse(packet.AsSpan(0, 29), out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Fact]
    public void TryParse_IhlBeyondTotalLength_RefusesAsBadLength()
    {
        var packet = new byte[60];
        IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 4);
        packet[0] = 0x4F; // 60-byte header in a 24-byte packet

        Assert.False(IPv4Packet.TryParse(packet, out _, out var error));
        Assert.Equal(PacketError.BadLength, error);
    }

    [Fact]
    public void WriteHeader_PayloadOver65515Bytes_Throws()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength];

        Assert.Throws<ArgumentException>(() => IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 65516));
        Assert.Throws<ArgumentException>(() => IPv4Writer.WriteHeader(packet, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, -1));
    }

    [Fact]
    public void WriteHeader_IPv6Address_Throws()
    {
        var packet = new byte[IPv4Packet.MinHeaderLength];

        Assert.Throws<ArgumentException>(() => IPv4Writer.WriteHeader(packet, Frames.VmIPv6, Frames.PeerIPv4, IpProtocol.Udp, 0));
    }

    private static byte[] ZeroChecksum(byte[] header, int at)
    {
        var copy = (byte[])header.Clone();
        copy[at] = copy[at + 1] = 0;
        return copy;
    }
}
