using System.Buffers.Binary;
using CsCheck;
using static Nvo3.Packets.Tests.OffloadFrames;
using Pd = PacketDotNet;

namespace Nvo3.Packets.Tests;

/// <summary>
/// Software GSO: every segment is a valid packet (Nvo3's checksum code and PacketDotNet's agree),
/// carries the right slice of the payload, and has the fields Linux's tcp_gso_segment gives it.
/// </summary>
public class TcpSegmenterTests
{
    private static readonly byte[] VxlanPrefix = VxlanPrefixFor(Frames.Vni);

    [Theory]
    [InlineData(false, 64_000, 1448)]
    [InlineData(true, 64_000, 1428)]
    [InlineData(false, 1448 * 44, 1448)]
    [InlineData(true, 5000, 1000)]
    public void TrySegment_SuperFrame_WritesEqualStridesAndValidSegments(bool v6, int payloadLength, int mss)
    {
        var flow = Sample(v6, TcpFlags.Ack | TcpFlags.Psh);
        var payload = Payload(payloadLength, payloadLength);
        var (frame, header) = SuperFrame(flow, payload, mss);
        var output = new byte[OutputLength(flow, payload.Length, mss, VxlanPrefix.Length)];

        Assert.True(TcpSegmenter.TrySegment(frame, header, output, VxlanPrefix, keepLinkHeader: true, out var result, out var refusal), refusal.ToString());

        int count = (payloadLength + mss - 1) / mss;
        Assert.Equal(count, result.Count);
        Assert.Equal(VxlanPrefix.Length + flow.HeadersLength + mss, result.Stride);
        Assert.Equal(VxlanPrefix.Length + flow.HeadersLength + payloadLength - ((count - 1) * mss), result.LastLength);
        Assert.Equal(output.Length, result.Length);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(VxlanPrefix, output.AsSpan(result.Offset(i), VxlanPrefix.Length).ToArray());
        }
        AssertSegments(flow, payload, mss, Datagrams(output, result, VxlanPrefix.Length), withEthernet: true);
    }

    [Fact]
    public void TrySegment_Property_EverySegmentValidAndInPlace()
    {
        Gen.Select(Flows, Gen.Int[1, 65535 - 60 - 12], Gen.Int[64, 9000], Gen.Bool).Sample((flow, length, mss, keepLink) =>
        {
            length = Math.Min(length, 65535 - flow.IpHeaderLength - flow.TcpHeaderLength);
            var payload = Payload(length, length ^ mss);
            var (frame, header) = SuperFrame(flow, payload, mss);
            var output = new byte[OutputLength(flow, length, mss, VxlanPrefix.Length)];

            Assert.True(TcpSegmenter.TrySegment(frame, header, output, VxlanPrefix, keepLink, out var result, out var refusal), refusal.ToString());

            var segments = Datagrams(output, result, VxlanPrefix.Length);
            AssertSegments(flow, payload, mss, segments, keepLink);
            int linkLess = keepLink ? 0 : EthernetFrame.HeaderLength;
            Assert.Equal(output.Length - (result.Count * linkLess), result.Length);
        });
    }

    [Fact]
    public void TrySegment_IPv4_IdentificationsFollowAndWrapAndHeaderChecksumsAreFresh()
    {
        var flow = Sample(v6: false) with { Id = 0xFFFE };
        var payload = Payload(4000, 7);
        var (frame, header) = SuperFrame(flow, payload, 1000);
        // A VM may send any header checksum: the segmenter computes its own.
        frame[EthernetFrame.HeaderLength + 10] ^= 0x5A;
        var output = new byte[OutputLength(flow, payload.Length, 1000, 0)];

        Assert.True(TcpSegmenter.TrySegment(frame, header, output, [], keepLinkHeader: true, out var result, out _));

        var ids = Datagrams(output, result, 0).Select(s => BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(EthernetFrame.HeaderLength + 4))).ToArray();
        Assert.Equal(new ushort[] { 0xFFFE, 0xFFFF, 0x0000, 0x0001 }, ids);
        Assert.All(Datagrams(output, result, 0), s => Assert.True(Checksum.Verify(s.AsSpan(EthernetFrame.HeaderLength, IPv4Packet.MinHeaderLength))));
    }

    [Fact]
    public void TrySegment_CwrFinPsh_CwrOnTheFirstOnlyFinAndPshOnTheLastOnly()
    {
        var flow = Sample(v6: true, TcpFlags.Ack | TcpFlags.Cwr | TcpFlags.Ece | TcpFlags.Psh | TcpFlags.Fin);
        var (frame, header) = SuperFrame(flow, Payload(3500, 1), 1000);
        var output = new byte[OutputLength(flow, 3500, 1000, 0)];

        Assert.True(TcpSegmenter.TrySegment(frame, header with { Ecn = true }, output, [], keepLinkHeader: true, out var result, out _));

        var flags = Datagrams(output, result, 0).Select(s => (TcpFlags)s[flow.HeadersLength - flow.TcpHeaderLength + 13]).ToArray();
        Assert.Equal(
            [TcpFlags.Ack | TcpFlags.Ece | TcpFlags.Cwr, TcpFlags.Ack | TcpFlags.Ece, TcpFlags.Ack | TcpFlags.Ece, TcpFlags.Ack | TcpFlags.Ece | TcpFlags.Psh | TcpFlags.Fin],
            flags);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrySegment_NeedsChecksumWithoutGso_CompletesItInOneDatagram(bool keepLink)
    {
        var flow = Sample(v6: false, TcpFlags.Ack | TcpFlags.Psh);
        var payload = Payload(700, 3);
        var (frame, header) = SuperFrame(flow, payload, 1448);
        header = header with { GsoType = VirtioGsoType.None, GsoSize = 0 };
        var output = new byte[2000];

        Assert.True(TcpSegmenter.TrySegment(frame, header, output, VxlanPrefix, keepLink, out var result, out _));

        Assert.Equal(1, result.Count);
        var segment = Assert.Single(Datagrams(output, result, VxlanPrefix.Length));
        var expected = Segment(flow, payload, flow.Sequence, flow.Flags, flow.Id);
        Assert.Equal(expected.AsSpan(keepLink ? 0 : EthernetFrame.HeaderLength).ToArray(), segment);
    }

    [Fact]
    public void TrySegment_PlainFrame_CopiedUnchanged()
    {
        var frame = Frames.ArpRequest();
        var output = new byte[100];

        Assert.True(TcpSegmenter.TrySegment(frame, VirtioNetHeader.None, output, VxlanPrefix, keepLinkHeader: true, out var result, out _));

        Assert.Equal(new SegmentationResult(1, VxlanPrefix.Length + frame.Length, VxlanPrefix.Length + frame.Length), result);
        Assert.Equal(frame, output.AsSpan(VxlanPrefix.Length, frame.Length).ToArray());
    }

    [Fact]
    public void TrySegment_PayloadFitsOneSegment_OneSegmentWithItsChecksum()
    {
        var flow = Sample(v6: true, TcpFlags.Ack | TcpFlags.Psh);
        var payload = Payload(1000, 4);
        var (frame, header) = SuperFrame(flow, payload, 1448);
        var output = new byte[2000];

        Assert.True(TcpSegmenter.TrySegment(frame, header, output, [], keepLinkHeader: true, out var result, out _));

        Assert.Equal(Segment(flow, payload, flow.Sequence, flow.Flags, flow.Id), output.AsSpan(0, result.Length).ToArray());
    }

    [Fact]
    public void TrySegment_Refusals_SayWhyAndWriteNothing()
    {
        var flow4 = Sample(v6: false);
        var (frame, header) = SuperFrame(flow4, Payload(3000, 5), 1000);
        var big = new byte[10_000];

        AssertRefused(frame[..10], header, OffloadRefusal.Malformed);
        AssertRefused(frame, header with { GsoType = VirtioGsoType.TcpV6 }, OffloadRefusal.GsoMismatch);
        AssertRefused(frame, header with { GsoType = VirtioGsoType.UdpL4 }, OffloadRefusal.UnsupportedGsoType);
        AssertRefused(frame, header with { ChecksumStart = 14 }, OffloadRefusal.BadChecksumOffsets);
        AssertRefused(frame, header with { ChecksumOffset = 6 }, OffloadRefusal.BadChecksumOffsets);
        AssertRefused(frame, header with { GsoType = VirtioGsoType.None, ChecksumStart = (ushort)(frame.Length - 1) }, OffloadRefusal.BadChecksumOffsets);
        var udp = Frames.UdpFrame(v6: false);
        AssertRefused(udp, header, OffloadRefusal.GsoMismatch);
        var fragment = (byte[])frame.Clone();
        fragment[EthernetFrame.HeaderLength + 6] |= 0x20; // MF
        AssertRefused(fragment, header, OffloadRefusal.Malformed);
        var (frame6, header6) = SuperFrame(Sample(v6: true), Payload(3000, 5), 1000);
        var withExtension = (byte[])frame6.Clone();
        withExtension[EthernetFrame.HeaderLength + 6] = 0; // hop-by-hop options first
        AssertRefused(withExtension, header6, OffloadRefusal.GsoMismatch);

        Assert.False(TcpSegmenter.TrySegment(frame, header with { GsoSize = 1 }, big, [], true, out _, out var refusal));
        Assert.Equal(OffloadRefusal.DestinationTooSmall, refusal);
        Assert.All(big, b => Assert.Equal(0, b));

        void AssertRefused(byte[] input, VirtioNetHeader h, OffloadRefusal expected)
        {
            Assert.False(TcpSegmenter.TrySegment(input, h, big, [], true, out _, out var why));
            Assert.Equal(expected, why);
        }
    }

    [Fact]
    public void TryCompleteChecksum_PartialUdpAndTcp_CompletesInPlace()
    {
        var udp = Frames.UdpFrame(v6: true, payload: Payload(301, 9));
        int udpAt = EthernetFrame.HeaderLength + IPv6Packet.HeaderLength;
        var expected = (byte[])udp.Clone();
        int udpLength = udp.Length - udpAt;
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(udpAt + 6),
            Checksum.Fold(Checksum.PseudoHeader(Frames.VmIPv6, Frames.PeerIPv6, IpProtocol.Udp, udpLength)));
        var header = new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.None, false, 0, 0, (ushort)udpAt, VirtioNetHeader.UdpChecksumOffset);

        Assert.True(header.TryCompleteChecksum(udp, out _));
        Assert.Equal(expected, udp);

        var (tcp, tcpHeader) = SuperFrame(Sample(v6: false), Payload(100, 1), 1448);
        Assert.False(tcpHeader.TryCompleteChecksum(tcp, out var refusal));
        Assert.Equal(OffloadRefusal.NeedsSegmentation, refusal);
        Assert.True((tcpHeader with { GsoType = VirtioGsoType.None }).TryCompleteChecksum(tcp, out _));
        Assert.True(Checksum.VerifyTransport(Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Tcp, tcp.AsSpan(34)));
        Assert.False((tcpHeader with { GsoType = VirtioGsoType.None, ChecksumStart = 9999 }).TryCompleteChecksum(tcp, out refusal));
        Assert.Equal(OffloadRefusal.BadChecksumOffsets, refusal);
    }

    /// <summary>The VXLAN header the NVE puts before each segment.</summary>
    internal static byte[] VxlanPrefixFor(uint vni)
    {
        var prefix = new byte[VxlanHeader.Length];
        VxlanHeader.Write(prefix, vni);
        return prefix;
    }

    /// <summary>
    /// Checks each segment against what Linux's GSO makes of the super-frame: lengths, IPv4 ids,
    /// sequence numbers, flags, the payload slice, and checksums by Nvo3 and by PacketDotNet.
    /// </summary>
    internal static void AssertSegments(Flow flow, byte[] payload, int mss, IReadOnlyList<byte[]> segments, bool withEthernet)
    {
        int count = payload.Length <= mss ? 1 : (payload.Length + mss - 1) / mss;
        Assert.Equal(count, segments.Count);
        for (int i = 0; i < count; i++)
        {
            var segment = segments[i];
            int length = Math.Min(mss, payload.Length - (i * mss));
            var expectedFlags = flow.Flags;
            if (count > 1)
            {
                expectedFlags &= i == count - 1 ? ~TcpFlags.Cwr : i == 0 ? ~(TcpFlags.Fin | TcpFlags.Psh) : ~(TcpFlags.Fin | TcpFlags.Psh | TcpFlags.Cwr);
            }
            var ipBytes = withEthernet ? segment.AsSpan(EthernetFrame.HeaderLength) : segment;
            IpAddr source, destination;
            byte[] transport;
            if (flow.V6)
            {
                Assert.True(IPv6Packet.TryParse(ipBytes, out var ip, out _));
                Assert.Equal(flow.TcpHeaderLength + length, ip.PayloadLength);
                Assert.Equal(flow.FlowLabel, ip.FlowLabel);
                (source, destination, transport) = (ip.Source, ip.Destination, ip.Payload.ToArray());
            }
            else
            {
                Assert.True(IPv4Packet.TryParse(ipBytes, out var ip, out _));
                Assert.Equal(flow.IpHeaderLength + flow.TcpHeaderLength + length, ip.TotalLength);
                Assert.Equal((ushort)(flow.Id + i), ip.Identification);
                Assert.True(ip.IsHeaderChecksumValid);
                (source, destination, transport) = (ip.Source, ip.Destination, ip.Payload.ToArray());
            }
            Assert.Equal(ipBytes.Length, (flow.V6 ? 40 : 20) + flow.TcpHeaderLength + length);
            Assert.True(TcpSegment.TryParse(transport, out var tcp, out _));
            Assert.Equal(flow.Sequence + (uint)(i * mss), tcp.SequenceNumber);
            Assert.Equal(flow.Acknowledgment, tcp.AcknowledgmentNumber);
            Assert.Equal(expectedFlags, tcp.Flags);
            Assert.Equal(flow.Options, tcp.Options.ToArray());
            Assert.True(tcp.Payload.SequenceEqual(payload.AsSpan(i * mss, length)), $"segment {i} carries the wrong bytes");
            Assert.True(tcp.IsChecksumValid(source, destination), $"segment {i}: TCP checksum");

            // An independent reading: PacketDotNet's own checksum validation.
            var packet = withEthernet
                ? Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, segment)
                : Pd.Packet.ParsePacket(Pd.LinkLayers.Raw, segment);
            var pdTcp = packet.Extract<Pd.TcpPacket>();
            Assert.NotNull(pdTcp);
            Assert.True(pdTcp.ValidTcpChecksum, $"segment {i}: PacketDotNet finds the TCP checksum wrong");
            if (!flow.V6)
            {
                Assert.True(packet.Extract<Pd.IPv4Packet>()!.ValidIPChecksum);
            }
        }
    }
}
