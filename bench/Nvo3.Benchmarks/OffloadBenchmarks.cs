using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Nvo3.Packets;

namespace Nvo3.Benchmarks;

/// <summary>
/// Software GSO and GRO on the sizes the data plane sees: a 64 KiB TCP super-frame from a TAP cut
/// into 1448-byte segments behind VXLAN headers, ready for one UDP GSO send; and 44 received
/// segments merged into one super-frame for a TAP. Buffers are preallocated: 0 B per operation.
/// </summary>
[MemoryDiagnoser]
public class OffloadBenchmarks
{
    private const int Mss = 1448;
    private const int Segments = 44;

    private static readonly IpAddr Source4 = IpAddr.Parse("10.1.0.5");
    private static readonly IpAddr Destination4 = IpAddr.Parse("10.1.0.9");
    private static readonly IpAddr Source6 = IpAddr.Parse("fd10::5");
    private static readonly IpAddr Destination6 = IpAddr.Parse("fd10::9");

    private readonly byte[] _prefix = new byte[VxlanHeader.Length];
    private readonly byte[] _output = new byte[128 << 10];
    private byte[] _superFrame = [];
    private VirtioNetHeader _header;
    private byte[][] _segments = [];
    private TcpCoalescer _coalescer = null!;

    /// <summary>Inner IP family.</summary>
    [Params(false, true)]
    public bool IPv6 { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        VxlanHeader.Write(_prefix, 0x12_3456);
        var payload = new byte[(65535 - (IPv6 ? 40 : 20) - 32) / Mss * Mss];
        new Random(12).NextBytes(payload);
        _superFrame = Frame(payload, 1);
        int tcpAt = EthernetFrame.HeaderLength + (IPv6 ? 40 : 20);
        // As a TAP with TSO gives it: the pseudo-header sum in the checksum field, GSO asked for.
        var (src, dst) = IPv6 ? (Source6, Destination6) : (Source4, Destination4);
        BinaryPrimitives.WriteUInt16BigEndian(_superFrame.AsSpan(tcpAt + 16),
            Checksum.Fold(Checksum.PseudoHeader(src, dst, IpProtocol.Tcp, _superFrame.Length - tcpAt)));
        _header = new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, IPv6 ? VirtioGsoType.TcpV6 : VirtioGsoType.TcpV4, false,
            (ushort)(tcpAt + 32), Mss, (ushort)tcpAt, VirtioNetHeader.TcpChecksumOffset);
        _segments = [.. Enumerable.Range(0, Segments).Select(i => Frame(payload.AsSpan(i * Mss, Mss), (uint)(1 + (i * Mss)), (ushort)i))];
        _coalescer = new TcpCoalescer();
    }

    /// <summary>The 64 KiB super-frame into 45 (IPv4) or 44 (IPv6) VXLAN datagrams, every checksum computed.</summary>
    [Benchmark]
    public int SegmentAndEncapsulate64KiB()
    {
        TcpSegmenter.TrySegment(_superFrame, _header, _output, _prefix, keepLinkHeader: true, out var result, out _);
        return result.Count;
    }

    /// <summary>44 segments of 1448 bytes (checksums verified, as Linux's GRO does) merged into one super-frame.</summary>
    [Benchmark]
    public int Coalesce44Segments()
    {
        var sink = new CountingSink();
        foreach (var segment in _segments)
        {
            _coalescer.Add(segment, EthernetFrame.HeaderLength, 0, ref sink);
        }
        _coalescer.Flush(ref sink);
        return sink.Frames;
    }

    // Ethernet + IP + TCP (timestamps) with every checksum complete.
    private byte[] Frame(ReadOnlySpan<byte> payload, uint sequence, ushort id = 0)
    {
        var (src, dst) = IPv6 ? (Source6, Destination6) : (Source4, Destination4);
        int ipHeader = IPv6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;
        int tcpAt = EthernetFrame.HeaderLength + ipHeader;
        var frame = new byte[tcpAt + 32 + payload.Length];
        EthernetWriter.Write(frame, MacAddress.Parse("52:54:00:ab:cd:ef"), MacAddress.Parse("52:54:00:12:34:56"), IPv6 ? EtherType.IPv6 : EtherType.IPv4);
        payload.CopyTo(frame.AsSpan(tcpAt + 32));
        byte[] timestamps = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
        TcpWriter.WriteHeader(frame.AsSpan(tcpAt), 43210, 5201, sequence, 1, TcpFlags.Ack, 502, timestamps, payload.Length, src, dst);
        if (IPv6)
        {
            IPv6Writer.WriteHeader(frame.AsSpan(EthernetFrame.HeaderLength), src, dst, IpProtocol.Tcp, 32 + payload.Length);
        }
        else
        {
            IPv4Writer.WriteHeader(frame.AsSpan(EthernetFrame.HeaderLength), src, dst, IpProtocol.Tcp, 32 + payload.Length, identification: id);
        }
        return frame;
    }

    private struct CountingSink : ICoalescedFrameSink
    {
        public int Frames;

        public void Deliver(int stream, in VirtioNetHeader header, ReadOnlySpan<byte> frame) => Frames++;
    }
}
