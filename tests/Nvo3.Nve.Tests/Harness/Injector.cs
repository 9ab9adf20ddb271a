using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>A registered NVE that is only an underlay endpoint: the test writes exactly what arrives at an NVE.</summary>
internal sealed class Injector : IDisposable
{
    private readonly MemoryUnderlay _underlay;

    private Injector(MemoryUnderlay underlay, string name)
    {
        _underlay = underlay;
        Name = name;
    }

    public string Name { get; }

    public static async Task<Injector> CreateAsync(EdgeHarness harness, int index)
    {
        string name = $"inject{index}";
        var endpoint = EdgeHarness.EndpointOf(index);
        var underlay = harness.Underlay.Create(endpoint);
        await harness.Authority.AddNveAsync(name, [endpoint], null);
        foreach (var edge in harness.Edges)
        {
            await EdgeHarness.WaitAsync(() => edge.View.Nves.ContainsKey(name), $"{edge.Name} to know {name}");
        }
        return new Injector(underlay, name);
    }

    /// <summary>Sends a VXLAN datagram carrying <paramref name="frame"/> in network <paramref name="vni"/> to <paramref name="to"/>.</summary>
    public void SendFrame(Edge to, uint vni, ReadOnlySpan<byte> frame)
    {
        var datagram = new byte[VxlanHeader.Length + frame.Length];
        VxlanHeader.Write(datagram, vni);
        frame.CopyTo(datagram.AsSpan(VxlanHeader.Length));
        _underlay.Send(datagram, new Peer(to.Name, to.Endpoint), 0, gpe: false);
    }

    /// <summary>A probe frame from 10.0.0.9 (02:00:00:00:09:09) to <paramref name="vm"/>.</summary>
    public static byte[] Probe(TestVm vm, long sequence)
    {
        Span<byte> payload = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload, sequence);
        var frame = new byte[128];
        int n = UdpWriter.WriteFrame(frame, vm.Mac, MacAddress.Parse("02:00:00:00:09:09"), IpAddr.Parse("10.0.0.9"), vm.IPv4, 5000, 5000, payload);
        return frame[..n];
    }

    public void Dispose() => _underlay.Dispose();
}
