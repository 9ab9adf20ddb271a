using CsCheck;
using static Nvo3.Packets.Tests.OffloadFrames;

namespace Nvo3.Packets.Tests;

/// <summary>
/// The segmenter takes what a VM writes and the coalescer what the underlay delivers: neither may
/// throw, write past what it reports, or lose or invent a frame, whatever the bytes.
/// </summary>
public class OffloadFuzzTests
{
    private static readonly Gen<VirtioNetHeader> Headers =
        Gen.Select(Gen.Byte[0, 3], Gen.OneOfConst(VirtioGsoType.None, VirtioGsoType.TcpV4, VirtioGsoType.TcpV6, VirtioGsoType.UdpL4),
            Gen.Select(Gen.UShort, Gen.UShort[1, 3000], Gen.UShort[0, 200], Gen.UShort[0, 40]))
        .Select((flags, type, f) => new VirtioNetHeader((VirtioNetFlags)flags, type, false, f.Item1, f.Item2, f.Item3, f.Item4));

    private static readonly Gen<byte[]> MutatedSuperFrames =
        Gen.Select(Gen.Bool, Gen.Int[0, 6000], Gen.Select(Gen.Int[0, 200], Gen.Byte).Array[0, 6], Gen.Int[0, 40])
        .Select((v6, length, changes, cut) =>
        {
            var frame = SuperFrame(Sample(v6), Payload(length, length), 1000).Frame;
            foreach (var (at, value) in changes)
            {
                frame[at % frame.Length] = value;
            }
            return frame[..Math.Max(0, frame.Length - cut)];
        });

    [Fact]
    public void TrySegment_AnyHeaderAndMangledFrame_NeverThrowsNorOverruns()
    {
        var destination = new byte[70_000];
        Gen.Select(Gen.Frequency((3, MutatedSuperFrames), (1, PacketGen.Bytes(200))), Headers, Gen.Bool).Sample((frame, header, keepLink) =>
        {
            var output = new byte[destination.Length + 16];
            output.AsSpan(destination.Length).Fill(0xA5);
            bool ok = TcpSegmenter.TrySegment(frame, header, output.AsSpan(0, destination.Length), VxlanHeaderBytes, keepLink, out var result, out var refusal);
            Assert.Equal(ok, refusal == OffloadRefusal.None);
            if (ok)
            {
                Assert.InRange(result.Count, 1, destination.Length);
                Assert.InRange(result.LastLength, VxlanHeaderBytes.Length, result.Stride);
                Assert.True(result.Length <= destination.Length);
            }
            Assert.All(output[destination.Length..], b => Assert.Equal(0xA5, b));
        }, iter: 5_000);
    }

    [Fact]
    public void Coalesce_MangledSegmentsOfSeveralFlows_NeverThrowsLosesOrInventsAFrame()
    {
        var flowCount = Gen.Int[1, 3];
        var stream = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 24], Gen.Select(Gen.Int[0, 120], Gen.Byte).Array[0, 2], Gen.Int[0, 1]).Array[1, 40];
        Gen.Select(flowCount, stream, Gen.Bool).Sample((flows, picks, withEthernet) =>
        {
            var coalescer = new TcpCoalescer(maxFlows: 2);
            var sink = new DeliveredFrames();
            int offset = withEthernet ? EthernetFrame.HeaderLength : 0;
            var next = new int[3];
            foreach (var (pick, size, changes, streamId) in picks)
            {
                var flow = Sample(v6: pick == 1) with { SourcePort = (ushort)(1000 + (pick % flows)) };
                int k = next[pick]++;
                var frame = Segment(flow, Payload(size * 50, k), flow.Sequence + (uint)(k * 1000), TcpFlags.Ack, (ushort)(flow.Id + k));
                foreach (var (at, value) in changes)
                {
                    frame[at % frame.Length] = value;
                }
                coalescer.Add(frame.AsSpan(withEthernet ? 0 : EthernetFrame.HeaderLength), offset, streamId, ref sink);
            }
            coalescer.Flush(ref sink);

            // Every frame that went in comes out once: alone, or as one segment of a super-frame.
            int segmentsOut = 0;
            foreach (var (_, header, frame) in sink.Frames)
            {
                if (!header.IsGso)
                {
                    segmentsOut++;
                    continue;
                }
                int payload = frame.Length - header.HeaderLength;
                segmentsOut += (payload + header.GsoSize - 1) / header.GsoSize;
                var copy = frame.ToArray();
                Assert.True((header with { GsoType = VirtioGsoType.None }).TryCompleteChecksum(copy, out _));
                var (src, dst) = frame[offset] >> 4 == 6
                    ? (IpAddr.ReadV6(frame.AsSpan(offset + 8)), IpAddr.ReadV6(frame.AsSpan(offset + 24)))
                    : (IpAddr.ReadV4(frame.AsSpan(offset + 12)), IpAddr.ReadV4(frame.AsSpan(offset + 16)));
                Assert.True(Checksum.VerifyTransport(src, dst, IpProtocol.Tcp, copy.AsSpan(header.ChecksumStart)));
            }
            Assert.Equal(picks.Length, segmentsOut);
        }, iter: 3_000);
    }

    private static readonly byte[] VxlanHeaderBytes = TcpSegmenterTests.VxlanPrefixFor(Frames.Vni);
}
