using BenchmarkDotNet.Attributes;
using Nvo3.Packets;

namespace Nvo3.Benchmarks;

/// <summary>
/// ILA on the data path: one address SIR→ILA, and a TCP packet's destination rewritten SIR→ILA
/// and back (so that every invocation starts from the same bytes), in both checksum modes.
/// </summary>
[MemoryDiagnoser]
public class IlaTranslationBenchmarks
{
    private const ulong SirPrefix = 0x2001_0db8_0000_0001;
    private const ulong Locator = 0xfd00_00aa_bbcc_0001;

    // Instance fields, not static readonly ones: the JIT would fold a translation of constants away.
    private readonly IlaTranslation _neutral = new(SirPrefix, Locator, IlaChecksumMode.NeutralMap);
    private readonly IlaTranslation _adjust = new(SirPrefix, Locator, IlaChecksumMode.AdjustTransport);
    private readonly IpAddr _sir = IpAddr.FromV6(new UInt128(SirPrefix, 0x0000_0000_1234_5678));

    private readonly byte[] _packet = new byte[IPv6Packet.HeaderLength + TcpSegment.MinHeaderLength + 100];

    [GlobalSetup]
    public void Setup()
    {
        var source = IpAddr.Parse("fd10::5");
        IPv6Writer.WriteHeader(_packet, source, _sir, IpProtocol.Tcp, _packet.Length - IPv6Packet.HeaderLength);
        TcpWriter.WriteHeader(_packet.AsSpan(IPv6Packet.HeaderLength), 40000, 80, 1, 2, TcpFlags.Ack, 512, [], 100, source, _sir);
    }

    [Benchmark]
    public IpAddr AddressToIla()
    {
        _neutral.TryToIla(_sir, out var ila, out _);
        return ila;
    }

    [Benchmark]
    public bool PacketRoundTripNeutralMap() =>
        _neutral.TryTranslateDestination(_packet, toIla: true, out _) & _neutral.TryTranslateDestination(_packet, toIla: false, out _);

    [Benchmark]
    public bool PacketRoundTripAdjustTransport() =>
        _adjust.TryTranslateDestination(_packet, toIla: true, out _) & _adjust.TryTranslateDestination(_packet, toIla: false, out _);
}
