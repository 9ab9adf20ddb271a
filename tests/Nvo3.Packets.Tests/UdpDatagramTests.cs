using System.Buffers.Binary;
using CsCheck;

namespace Nvo3.Packets.Tests;

public class UdpDatagramTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteHeader_ThenParse_KeepsEveryField(bool v6)
    {
        var src = v6 ? Frames.VmIPv6 : Frames.VmIPv4;
        var dst = v6 ? Frames.PeerIPv6 : Frames.PeerIPv4;
        var datagram = new byte[UdpDatagram.HeaderLength + 5];
        "hello"u8.CopyTo(datagram.AsSpan(UdpDatagram.HeaderLength));

        Assert.Equal(UdpDatagram.HeaderLength, UdpWriter.WriteHeader(datagram, 1234, 4789, 5, src, dst));

        Assert.True(UdpDatagram.TryParse(datagram, out var udp, out var error));
        Assert.Equal(PacketError.None, error);
        Assert.Equal(1234, udp.SourcePort);
        Assert.Equal(4789, udp.DestinationPort);
        Assert.Equal(13, udp.Length);
        Assert.Equal(datagram, udp.Bytes.ToArray());
        Assert.Equal("hello"u8.ToArray(), udp.Payload.ToArray());
        Assert.NotEqual(0, udp.Checksum);
        Assert.True(udp.IsChecksumValid(src, dst));
        Assert.False(udp.IsChecksumValid(dst, v6 ? Frames.GatewayIPv6 : Frames.GatewayIPv4));
    }

    [Fact]
    public void WriteHeader_RandomFields_RoundTrip()
    {
        Gen.Select(PacketGen.AddressPair, PacketGen.Port, PacketGen.Port, PacketGen.Payload).Sample((addresses, sourcePort, destinationPort, payload) =>
        {
            var (src, dst) = addresses;
            var datagram = new byte[UdpDatagram.HeaderLength + payload.Length + 3];
            payload.CopyTo(datagram, UdpDatagram.HeaderLength);
            UdpWriter.WriteHeader(datagram, sourcePort, destinationPort, payload.Length, src, dst);

            // Three trailing bytes beyond the UDP length stand for padding and are not part of the datagram.
            Assert.True(UdpDatagram.TryParse(datagram, out var udp, out _));
            Assert.Equal(sourcePort, udp.SourcePort);
            Assert.Equal(destinationPort, udp.DestinationPort);
            Assert.Equal(UdpDatagram.HeaderLength + payload.Length, udp.Length);
            Assert.Equal(udp.Length, udp.Bytes.Length);
            Assert.Equal(payload, udp.Payload.ToArray());
            Assert.NotEqual(0, udp.Checksum);
            Assert.True(udp.IsChecksumValid(src, dst));
        }, iter: 2000);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteHeader_SumComesToZero_SendsAllOnes(bool v6)
    {
        var src = v6 ? Frames.VmIPv6 : Frames.VmIPv4;
        var dst = v6 ? Frames.PeerIPv6 : Frames.PeerIPv4;
        var datagram = new byte[UdpDatagram.HeaderLength + 4];
        UdpWriter.WriteHeader(datagram, 1000, 2000, 4, src, dst);
        // Make the last payload word the complement of everything else, so that the sum is -0.
        ushort complement = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(10), complement);

        UdpWriter.WriteHeader(datagram, 1000, 2000, 4, src, dst);

        Assert.True(UdpDatagram.TryParse(datagram, out var udp, out _));
        Assert.Equal(0xFFFF, udp.Checksum);
        Assert.True(udp.IsChecksumValid(src, dst));
    }

    [Fact]
    public void IsChecksumValid_ZeroOverIPv4_MeansNoChecksum()
    {
        var datagram = new byte[UdpDatagram.HeaderLength + 2];
        UdpWriter.WriteHeader(datagram, 1, 2, 2, Frames.VmIPv4, Frames.PeerIPv4);
        datagram[6] = datagram[7] = 0;

        Assert.True(UdpDatagram.TryParse(datagram, out var udp, out _));
        Assert.True(udp.IsChecksumValid(Frames.VmIPv4, Frames.PeerIPv4));
    }

    [Fact]
    public void IsChecksumValid_ZeroOverIPv6_IsFalse()
    {
        var datagram = new byte[UdpDatagram.HeaderLength + 2];
        UdpWriter.WriteHeader(datagram, 1, 2, 2, Frames.VmIPv6, Frames.PeerIPv6);
        datagram[6] = datagram[7] = 0;

        Assert.True(UdpDatagram.TryParse(datagram, out var udp, out _));
        Assert.False(udp.IsChecksumValid(Frames.VmIPv6, Frames.PeerIPv6));
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 100)]
    [InlineData(true, 0)]
    [InlineData(true, 1400)]
    public void WriteFrame_ThenParse_IsEthernetIpUdp(bool v6, int payloadLength)
    {
        var payload = Enumerable.Range(0, payloadLength).Select(i => (byte)i).ToArray();
        var src = v6 ? Frames.VmIPv6 : Frames.VmIPv4;
        var dst = v6 ? Frames.PeerIPv6 : Frames.PeerIPv4;
        var frame = new byte[1500];

        int length = UdpWriter.WriteFrame(frame, Frames.PeerMac, Frames.VmMac, src, dst, 5353, 5354, payload, ttl: 3);

        int headers = EthernetFrame.HeaderLength + (v6 ? 40 : 20) + 8;
        Assert.Equal(Math.Max(headers + payloadLength, 60), length);
        Assert.True(EthernetFrame.TryParse(frame.AsSpan(0, length), out var eth, out _));
        Assert.Equal(Frames.PeerMac, eth.Destination);
        Assert.Equal(Frames.VmMac, eth.Source);
        ReadOnlySpan<byte> l4;
        if (v6)
        {
            Assert.Equal(EtherType.IPv6, eth.EtherType);
            Assert.True(IPv6Packet.TryParse(eth.Payload, out var ip, out _));
            Assert.Equal(src, ip.Source);
            Assert.Equal(dst, ip.Destination);
            Assert.Equal(IpProtocol.Udp, ip.NextHeader);
            Assert.Equal(3, ip.HopLimit);
            l4 = ip.Payload;
        }
        else
        {
            Assert.Equal(EtherType.IPv4, eth.EtherType);
            Assert.True(IPv4Packet.TryParse(eth.Payload, out var ip, out _));
            Assert.Equal(src, ip.Source);
            Assert.Equal(dst, ip.Destination);
            Assert.Equal(IpProtocol.Udp, ip.Protocol);
            Assert.Equal(3, ip.Ttl);
            Assert.True(ip.IsHeaderChecksumValid);
            l4 = ip.Payload;
        }
        Assert.True(UdpDatagram.TryParse(l4, out var udp, out _));
        Assert.Equal(5353, udp.SourcePort);
        Assert.Equal(5354, udp.DestinationPort);
        Assert.Equal(payload, udp.Payload.ToArray());
        Assert.True(udp.IsChecksumValid(src, dst));
    }

    [Fact]
    public void WriteFrame_DestinationTooShort_Throws()
    {
        var frame = new byte[59];

        Assert.Throws<ArgumentException>(() => UdpWriter.WriteFrame(frame, Frames.PeerMac, Frames.VmMac, Frames.VmIPv4, Frames.PeerIPv4, 1, 2, []));
    }

    [Fact]
    public void TryParse_ShorterThan8Bytes_RefusesAsTruncated()
    {
        Assert.False(UdpDatagram.TryParse(new byte[7], out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }

    [Fact]
    public void TryParse_LengthFieldUnder8_RefusesAsBadLength()
    {
        var datagram = new byte[12];
        datagram[5] = 7;

        Assert.False(UdpDatagram.TryParse(datagram, out _, out var error));
        Assert.Equal(PacketError.BadLength, error);
    }

    [Fact]
    public void TryParse_LengthFieldBeyondData_RefusesAsTruncated()
    {
        var datagram = new byte[12];
        datagram[5] = 13;

        Assert.False(UdpDatagram.TryParse(datagram, out _, out var error));
        Assert.Equal(PacketError.Truncated, error);
    }
}
