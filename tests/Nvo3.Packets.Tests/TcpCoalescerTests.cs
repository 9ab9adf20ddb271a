using System.Buffers.Binary;
using CsCheck;
using static Nvo3.Packets.Tests.OffloadFrames;

namespace Nvo3.Packets.Tests;

/// <summary>
/// Software GRO: segment-then-coalesce gives the super-frame back; every rule of Linux's
/// tcp_gro_receive keeps apart what it must; what cannot merge passes through, in its flow's order.
/// </summary>
public class TcpCoalescerTests
{
    [Fact]
    public void Coalesce_SegmentsOfASuperFrame_Property_GivesTheSuperFrameBack()
    {
        Gen.Select(Flows, Gen.Int[1, 65535 - 60 - 12], Gen.Int[64, 9000], Gen.Bool).Sample((flow, length, mss, withEthernet) =>
        {
            // One per sample: CsCheck samples on several threads, and a coalescer has one owner.
            var coalescer = new TcpCoalescer(maxFlows: 2);
            length = Math.Min(length, 65535 - flow.IpHeaderLength - flow.TcpHeaderLength);
            var payload = Payload(length, length * 31 + mss);
            var (frame, header) = SuperFrame(flow, payload, mss);
            var output = new byte[OutputLength(flow, length, mss, 0)];
            Assert.True(TcpSegmenter.TrySegment(frame, header, output, [], withEthernet, out var result, out _));
            var segments = Datagrams(output, result, 0);

            var delivered = DeliveredFrames.Run(coalescer, segments, withEthernet ? EthernetFrame.HeaderLength : 0).Frames;

            Assert.Equal(0, coalescer.HeldFlows);
            var (_, got, bytes) = Assert.Single(delivered);
            int linkLess = withEthernet ? 0 : EthernetFrame.HeaderLength;
            if (result.Count == 1)
            {
                // One segment: it passes as it came, its checksum complete.
                Assert.Equal(VirtioNetHeader.None, got);
                Assert.Equal(segments[0], bytes);
                return;
            }
            // What a TAP with TSO gave is what a TAP with GRO gets back: same bytes, same header.
            Assert.Equal(frame.AsSpan(linkLess).ToArray(), bytes);
            Assert.Equal(header with
            {
                HeaderLength = (ushort)(header.HeaderLength - linkLess),
                ChecksumStart = (ushort)(header.ChecksumStart - linkLess),
            }, got);
        });
    }

    [Fact]
    public void Coalesce_FortyFourFullSegments_OneSuperFrameAtTheFlush()
    {
        var flow = Sample(v6: false);
        var segments = Enumerable.Range(0, 44)
            .Select(i => Segment(flow, Payload(1448, i), flow.Sequence + (uint)(i * 1448), TcpFlags.Ack, (ushort)(flow.Id + i)))
            .ToList();
        var coalescer = new TcpCoalescer();
        var sink = new DeliveredFrames();

        foreach (var segment in segments)
        {
            coalescer.Add(segment, EthernetFrame.HeaderLength, 0, ref sink);
        }
        Assert.Empty(sink.Frames);
        Assert.Equal(1, coalescer.HeldFlows);
        coalescer.Flush(ref sink);

        var (_, header, frame) = Assert.Single(sink.Frames);
        Assert.Equal(VirtioGsoType.TcpV4, header.GsoType);
        Assert.Equal(1448, header.GsoSize);
        Assert.True(header.NeedsChecksum);
        Assert.Equal(34, header.ChecksumStart);
        Assert.Equal(16, header.ChecksumOffset);
        Assert.Equal(14 + 20 + 32 + (44 * 1448), frame.Length);
        Assert.True(IPv4Packet.TryParse(frame.AsSpan(14), out var ip, out _));
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.Equal(flow.Id, ip.Identification);
        // The partial checksum completed as the kernel would: the whole segment then verifies.
        Assert.True((header with { GsoType = VirtioGsoType.None }).TryCompleteChecksum(frame, out _));
        Assert.True(Checksum.VerifyTransport(flow.Source, flow.Destination, IpProtocol.Tcp, ip.Payload));
    }

    public static TheoryData<string, bool> Violations()
    {
        var data = new TheoryData<string, bool>();
        foreach (var (name, (v4, v6)) in Violation.All)
        {
            if (name == "none")
            {
                continue;
            }
            if (v4)
            {
                data.Add(name, false);
            }
            if (v6)
            {
                data.Add(name, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Violations))]
    public void Coalesce_SecondSegmentBreaksARule_NothingMergesAndOrderHolds(string violation, bool v6)
    {
        var (first, second, stream) = Violation.Pair(Sample(v6), violation);
        var coalescer = new TcpCoalescer();
        var sink = new DeliveredFrames();

        coalescer.Add(first, EthernetFrame.HeaderLength, 0, ref sink);
        coalescer.Add(second, EthernetFrame.HeaderLength, stream, ref sink);
        coalescer.Flush(ref sink);

        Assert.Equal(2, sink.Frames.Count);
        Assert.Equal(first, sink.Frames[0].Frame);
        Assert.Equal(second, sink.Frames[1].Frame);
        Assert.All(sink.Frames, f => Assert.Equal(VirtioNetHeader.None, f.Header));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Coalesce_NoRuleBroken_TheSameTwoMerge(bool v6)
    {
        var (first, second, _) = Violation.Pair(Sample(v6), "none");

        var (_, header, frame) = Assert.Single(DeliveredFrames.Run(new TcpCoalescer(), [first, second]).Frames);

        Assert.True(header.IsGso);
        Assert.Equal(first.Length + second.Length - Sample(v6).HeadersLength, frame.Length);
    }

    [Fact]
    public void Coalesce_Property_NeverMergesARuleBreaker()
    {
        var names = Violation.All.Keys.Where(n => n != "none").ToArray();
        Gen.Select(Flows, Gen.Int[0, names.Length - 1]).Sample((flow, pick) =>
        {
            var (v4, v6) = Violation.All[names[pick]];
            if (flow.V6 ? !v6 : !v4)
            {
                return;
            }
            flow = flow with { Flags = TcpFlags.Ack };
            var (first, second, stream) = Violation.Pair(flow, names[pick]);
            var coalescer = new TcpCoalescer();
            var sink = new DeliveredFrames();
            coalescer.Add(first, EthernetFrame.HeaderLength, 0, ref sink);
            coalescer.Add(second, EthernetFrame.HeaderLength, stream, ref sink);
            coalescer.Flush(ref sink);
            Assert.Equal([first, second], sink.Frames.Select(f => f.Frame));
            Assert.All(sink.Frames, f => Assert.False(f.Header.IsGso, names[pick]));
        });
    }

    [Fact]
    public void Coalesce_PshOrFinOnALaterSegment_MergedAndReleasedAtOnce()
    {
        var flow = Sample(v6: false);
        var coalescer = new TcpCoalescer();
        var sink = new DeliveredFrames();
        coalescer.Add(Segment(flow, Payload(1000, 1), flow.Sequence, TcpFlags.Ack, flow.Id), 14, 0, ref sink);
        coalescer.Add(Segment(flow, Payload(1000, 2), flow.Sequence + 1000, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, (ushort)(flow.Id + 1)), 14, 0, ref sink);

        var (_, header, frame) = Assert.Single(sink.Frames);
        Assert.Equal(0, coalescer.HeldFlows);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, (TcpFlags)frame[34 + 13]);
        Assert.Equal(1000, header.GsoSize);
    }

    [Fact]
    public void Coalesce_ShortSegment_EndsTheSuperFrameAndTheNextStartsAnother()
    {
        var flow = Sample(v6: true);
        int[] sizes = [1400, 1400, 900, 1400, 1400];
        uint sequence = flow.Sequence;
        var segments = new List<byte[]>();
        foreach (int size in sizes)
        {
            segments.Add(Segment(flow, Payload(size, size), sequence, TcpFlags.Ack, 0));
            sequence += (uint)size;
        }

        var frames = DeliveredFrames.Run(new TcpCoalescer(), segments).Frames;

        Assert.Equal(2, frames.Count);
        Assert.Equal(flow.HeadersLength + 3700, frames[0].Frame.Length);
        Assert.Equal(flow.HeadersLength + 2800, frames[1].Frame.Length);
        Assert.All(frames, f => Assert.Equal(1400, f.Header.GsoSize));
    }

    [Fact]
    public void Coalesce_FixedIdWithDontFragment_MergesAsLinuxDoes()
    {
        var flow = Sample(v6: false) with { Id = 0, DontFragment = true };
        var segments = Enumerable.Range(0, 3).Select(i => Segment(flow, Payload(500, i), flow.Sequence + (uint)(500 * i), TcpFlags.Ack, 0));

        var (_, header, _) = Assert.Single(DeliveredFrames.Run(new TcpCoalescer(), segments).Frames);

        Assert.True(header.IsGso);
    }

    [Fact]
    public void Coalesce_SuperFrameWouldPass64KiB_SplitsBeforeIt()
    {
        var flow = Sample(v6: false);
        var segments = Enumerable.Range(0, 50).Select(i => Segment(flow, Payload(1448, i), flow.Sequence + (uint)(1448 * i), TcpFlags.Ack, (ushort)(flow.Id + i)));

        var frames = DeliveredFrames.Run(new TcpCoalescer(), segments).Frames;

        Assert.Equal(2, frames.Count);
        int firstIpLength = frames[0].Frame.Length - EthernetFrame.HeaderLength;
        Assert.True(firstIpLength <= 65535 && firstIpLength + 1448 > 65535, $"{firstIpLength}");
        Assert.Equal(50 * 1448, frames.Sum(f => f.Frame.Length - flow.HeadersLength));
    }

    [Fact]
    public void Coalesce_InterleavedFlowsBeyondCapacity_OldestReleasedFirst()
    {
        var flows = Enumerable.Range(0, 3).Select(i => Sample(v6: false) with { SourcePort = (ushort)(1000 + i) }).ToArray();
        var coalescer = new TcpCoalescer(maxFlows: 2);
        var sink = new DeliveredFrames();
        for (int round = 0; round < 2; round++)
        {
            foreach (var flow in flows)
            {
                coalescer.Add(Segment(flow, Payload(100, round), flow.Sequence + (uint)(100 * round), TcpFlags.Ack, (ushort)(flow.Id + round)), 14, 0, ref sink);
            }
        }
        coalescer.Flush(ref sink);

        // Each third flow evicts the oldest: no two segments of one flow ever meet in a slot.
        Assert.Equal(6, sink.Frames.Count);
        Assert.All(sink.Frames, f => Assert.False(f.Header.IsGso));
        Assert.Equal([1000, 1001, 1002, 1000, 1001, 1002], sink.Frames.Select(f => (int)BinaryPrimitives.ReadUInt16BigEndian(f.Frame.AsSpan(34))));
    }

    [Fact]
    public void Coalesce_OtherTraffic_PassesThroughAtOnce()
    {
        var coalescer = new TcpCoalescer();
        var sink = new DeliveredFrames();
        byte[][] others = [Frames.ArpRequest(), Frames.UdpFrame(v6: true), Frames.NeighborSolicitation(), Frames.TcpSyn(v6: false), [1, 2, 3]];
        foreach (var frame in others)
        {
            coalescer.Add(frame, EthernetFrame.HeaderLength, 7, ref sink);
        }

        Assert.Equal(others, sink.Frames.Select(f => f.Frame));
        Assert.All(sink.Frames, f => Assert.Equal((7, VirtioNetHeader.None), (f.Stream, f.Header)));
        Assert.Equal(0, coalescer.HeldFlows);
    }

    [Fact]
    public void Coalesce_StreamsKeepTheirOwnSuperFrames()
    {
        var flow = Sample(v6: false);
        var coalescer = new TcpCoalescer();
        var sink = new DeliveredFrames();
        for (int i = 0; i < 4; i++)
        {
            var segment = Segment(flow, Payload(800, i), flow.Sequence + (uint)(800 * (i / 2)), TcpFlags.Ack, (ushort)(flow.Id + (i / 2)));
            coalescer.Add(segment, 14, i % 2, ref sink);
        }
        coalescer.Flush(ref sink);

        Assert.Equal([0, 1], sink.Frames.Select(f => f.Stream));
        Assert.All(sink.Frames, f => Assert.Equal(2 * 800, f.Frame.Length - flow.HeadersLength));
    }
}
