using BenchmarkDotNet.Attributes;
using Nvo3.Packets;

namespace Nvo3.Benchmarks;

/// <summary>The Internet checksum over a 1400-byte tenant packet, alone and under an IPv6 pseudo-header.</summary>
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    private readonly IpAddr _source = IpAddr.Parse("fd10::5");
    private readonly IpAddr _destination = IpAddr.Parse("fd10::9");

    private readonly byte[] _data = new byte[1400];

    [GlobalSetup]
    public void Setup() => new Random(1071).NextBytes(_data);

    [Benchmark]
    public ushort Compute1400() => Checksum.Compute(_data);

    [Benchmark]
    public ushort ComputeTransport1400IPv6() => Checksum.ComputeTransport(_source, _destination, IpProtocol.Udp, _data);
}
