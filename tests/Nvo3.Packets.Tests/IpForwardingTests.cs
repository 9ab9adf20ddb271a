using CsCheck;

namespace Nvo3.Packets.Tests;

/// <summary>A forwarded packet loses one from its TTL or hop limit; the IPv4 checksum follows (RFC 1624).</summary>
public class IpForwardingTests
{
    [Fact]
    public void TryDecrementHopLimit_AnyIPv4Header_EqualsTheHeaderWrittenWithOneLessTtl()
    {
        Gen.Select(PacketGen.IPv4, PacketGen.IPv4, Gen.Byte[2, 255], Gen.UShort, Gen.Byte, Gen.Int[0, 1400], Gen.Bool)
            .Sample((source, destination, ttl, identification, tos, payload, dontFragment) =>
            {
                var packet = new byte[IPv4Packet.MinHeaderLength];
                IPv4Writer.WriteHeader(packet, source, destination, IpProtocol.Udp, payload, ttl, identification, dontFragment, tos);
                var expected = new byte[IPv4Packet.MinHeaderLength];
                IPv4Writer.WriteHeader(expected, source, destination, IpProtocol.Udp, payload, (byte)(ttl - 1), identification, dontFragment, tos);

                Assert.True(IpForwarding.TryDecrementHopLimit(packet));

                Assert.Equal(expected, packet);
                Assert.True(Checksum.Verify(packet));
            });
    }

    [Fact]
    public void TryDecrementHopLimit_IPv4ChecksumCarries_StaysValid()
    {
        // A header whose checksum field is 0xFFFF before or after the change exercises the
        // end-around carry of the incremental update (RFC 1624 section 3).
        Gen.Select(Gen.UInt, Gen.UInt, Gen.Byte[2, 255], Gen.UShort).Sample((source, destination, ttl, identification) =>
        {
            var packet = new byte[IPv4Packet.MinHeaderLength];
            IPv4Writer.WriteHeader(packet, IpAddr.FromV4(source), IpAddr.FromV4(destination), IpProtocol.Tcp, 0, ttl, identification);
            while (IpForwarding.TryDecrementHopLimit(packet))
            {
                Assert.True(Checksum.Verify(packet), Convert.ToHexString(packet));
            }
            Assert.Equal(1, packet[8]);
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void TryDecrementHopLimit_Ttl0Or1_RefusesAndChangesNothing(byte ttl)
    {
        var v4 = new byte[IPv4Packet.MinHeaderLength];
        IPv4Writer.WriteHeader(v4, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 0, ttl);
        var v6 = Frames.UdpPacket(v6: true);
        v6[7] = ttl;
        var before4 = (byte[])v4.Clone();
        var before6 = (byte[])v6.Clone();

        Assert.False(IpForwarding.TryDecrementHopLimit(v4));
        Assert.False(IpForwarding.TryDecrementHopLimit(v6));

        Assert.Equal(before4, v4);
        Assert.Equal(before6, v6);
    }

    [Fact]
    public void TryDecrementHopLimit_IPv6_TakesOneFromTheHopLimitOnly()
    {
        var packet = Frames.UdpPacket(v6: true);
        var before = (byte[])packet.Clone();

        Assert.True(IpForwarding.TryDecrementHopLimit(packet));

        Assert.True(IPv6Packet.TryParse(packet, out var ip, out _));
        Assert.Equal(before[7] - 1, ip.HopLimit);
        before[7]--;
        Assert.Equal(before, packet);
        Assert.True(UdpDatagram.TryParse(ip.Payload, out _, out _));
        Assert.True(Checksum.VerifyTransport(ip.Source, ip.Destination, IpProtocol.Udp, ip.Payload)); // not in the pseudo-header
    }

    [Fact]
    public void TryDecrementHopLimit_RandomBytes_NeverThrowsAndOnlyTouchesIpPackets()
    {
        Gen.Byte.Array[0, 80].Sample(bytes =>
        {
            var copy = (byte[])bytes.Clone();
            bool changed = IpForwarding.TryDecrementHopLimit(copy);
            int version = bytes.Length > 0 ? bytes[0] >> 4 : 0;
            if (!changed)
            {
                Assert.Equal(bytes, copy);
            }
            else
            {
                Assert.True(version is 4 or 6);
            }
        });
    }

    [Fact]
    public void WriteTimeExceededFrame_QuotesTheOriginalAndAnswersItsSender()
    {
        foreach (bool v6 in new[] { false, true })
        {
            var original = Frames.UdpPacket(v6);
            var frame = Frames.TimeExceeded(v6);

            Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
            Assert.Equal(Frames.VmMac, eth.Destination);
            Assert.Equal(Frames.GatewayMac, eth.Source);
            ReadOnlySpan<byte> body;
            if (v6)
            {
                Assert.True(IPv6Packet.TryParse(eth.Payload, out var ip, out _));
                Assert.Equal(Frames.GatewayIPv6, ip.Source);
                Assert.Equal(Frames.VmIPv6, ip.Destination);
                Assert.True(IcmpV6Packet.TryParse(ip.Payload, out var icmp, out _));
                Assert.Equal(IcmpV6Packet.TypeTimeExceeded, icmp.Type);
                Assert.Equal(IcmpV6Packet.CodeHopLimitExceeded, icmp.Code);
                Assert.True(Checksum.VerifyTransport(ip.Source, ip.Destination, IpProtocol.IcmpV6, ip.Payload));
                body = ip.Payload[IcmpV6Packet.HeaderLength..];
            }
            else
            {
                Assert.True(IPv4Packet.TryParse(eth.Payload, out var ip, out _));
                Assert.Equal(Frames.GatewayIPv4, ip.Source);
                Assert.Equal(Frames.VmIPv4, ip.Destination);
                Assert.True(ip.IsHeaderChecksumValid);
                Assert.True(IcmpV4Packet.TryParse(ip.Payload, out var icmp, out _));
                Assert.Equal(IcmpV4Packet.TypeTimeExceeded, icmp.Type);
                Assert.Equal(IcmpV4Packet.CodeTtlExceeded, icmp.Code);
                Assert.True(icmp.IsChecksumValid);
                body = icmp.Body;
            }
            Assert.Equal(original, body.ToArray());
        }
    }
}
