using BenchmarkDotNet.Attributes;
using Nvo3.Lab;
using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Benchmarks;

/// <summary>
/// The NVE's per-packet path from a tenant port to the underlay, on a real NVE in a lab: parse,
/// source guard, location look-up, VXLAN header written in the headroom, flow hash, and (in
/// <see cref="LookupEncapsulateAndSend"/>) the UDP send. Per packet: ns and bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private const int Batch = 64;
    private InProcessLab _lab = null!;
    private Edge _edge = null!;
    private LocalPort _port = null!;
    private readonly FrameBatch _batch = new(Batch);
    private readonly byte[] _scratch = new byte[FrameBatch.Headroom + FrameBatch.MaxFrame];

    [Params(64, 1400)]
    public int FrameBytes { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _lab = await InProcessLab.StartAsync(new LabOptions());
        await _lab.Client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "bench", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromHours(1)));
        _edge = await _lab.AddNveAsync("a", o => o with { Mode = UpdateMode.Push });
        var b = await _lab.AddNveAsync("b");
        var src = MacAddress.Parse("02:00:00:00:00:01");
        var dst = MacAddress.Parse("02:00:00:00:00:02");
        await _lab.Client.AttachAsync(new AttachRequest(100, src, [IpAddr.Parse("10.0.0.1")], "a"));
        await _lab.Client.AttachAsync(new AttachRequest(100, dst, [IpAddr.Parse("10.0.0.2")], "b"));
        await InProcessLab.WaitForAsync(() => _edge.GetRemote(100, dst)?.Peer is not null, "a to know where the destination is");
        var (nveSide, _) = MemoryPort.CreatePair("bench");
        _port = _edge.AttachPort(nveSide, 100, src);
        await InProcessLab.WaitForAsync(() => _port.State == PortState.Active, "the port to be active");
        int header = EthernetFrame.HeaderLength + IPv4Packet.MinHeaderLength + UdpDatagram.HeaderLength;
        for (int i = 0; i < Batch; i++)
        {
            int n = UdpWriter.WriteFrame(_batch.WriteArea(i), dst, src, IpAddr.Parse("10.0.0.1"), IpAddr.Parse("10.0.0.2"), (ushort)(5000 + i), 5001, new byte[FrameBytes - header]);
            _batch.SetLength(i, n);
        }
        _batch.Count = Batch;
    }

    [GlobalCleanup]
    public void Cleanup() => _lab.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Batch)]
    public void LookupAndEncapsulate()
    {
        ((UdpUnderlay)_edge.Underlay).DiscardSends = true;
        for (int i = 0; i < Batch; i++)
        {
            _edge.FromTenant(_port, _batch, i, _scratch);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void LookupEncapsulateAndSend()
    {
        ((UdpUnderlay)_edge.Underlay).DiscardSends = false;
        for (int i = 0; i < Batch; i++)
        {
            _edge.FromTenant(_port, _batch, i, _scratch);
        }
    }
}
