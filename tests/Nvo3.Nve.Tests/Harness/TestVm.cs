using System.Collections.Concurrent;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>
/// A VM as a test drives it: frames it sends are written here byte by byte, and every frame the
/// NVE hands it is kept for the test to read. Wired by an in-memory port.
/// </summary>
internal sealed class TestVm : IDisposable
{
    private readonly ConcurrentQueue<byte[]> _received = new();
    private readonly List<MemoryPort> _wires = [];
    private MemoryPort? _wire;
    private Thread? _reader;

    public TestVm(int n)
    {
        N = n;
        Mac = new MacAddress(0x0200_0000_0000UL + (ulong)n);
        IPv4 = IpAddr.Parse($"10.0.0.{n}");
        IPv6 = IpAddr.Parse($"fd00:100::{n}");
    }

    public int N { get; }

    public MacAddress Mac { get; }

    public IpAddr IPv4 { get; }

    public IpAddr IPv6 { get; }

    /// <summary>Every frame received so far.</summary>
    public IReadOnlyCollection<byte[]> Received => _received;

    /// <summary>
    /// Attaches a new port for it at <paramref name="edge"/>: what it sends goes there from now, and
    /// it still receives on the old one until that port is detached (a VM runs at its source until it pauses).
    /// </summary>
    public LocalPort Plug(Edge edge)
    {
        var (nveSide, vmSide) = MemoryPort.CreatePair($"vm{N}@{edge.Name}");
        _wires.Add(vmSide);
        _wire = vmSide;
        var wire = vmSide;
        _reader = new Thread(() =>
        {
            var batch = new FrameBatch(16);
            while (true)
            {
                int n;
                try
                {
                    n = wire.Receive(batch, CancellationToken.None);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                if (n == 0)
                {
                    return;
                }
                for (int i = 0; i < n; i++)
                {
                    _received.Enqueue(batch.Frame(i).ToArray());
                }
            }
        })
        { IsBackground = true, Name = $"vm{N}" };
        _reader.Start();
        return edge.AttachPort(nveSide, EdgeHarness.Vni, Mac);
    }

    /// <summary>Sends a frame as the VM.</summary>
    public void Send(ReadOnlySpan<byte> frame) => Assert.True(_wire!.Send(frame), "the VM's wire took the frame");

    /// <summary>Sends a UDP probe with <paramref name="sequence"/> to <paramref name="to"/> (its MAC, or the gateway's in Layer 3).</summary>
    public void SendProbe(MacAddress toMac, IpAddr to, long sequence)
    {
        Span<byte> payload = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload, sequence);
        var frame = new byte[256];
        var source = to.IsV6 ? IPv6 : IPv4;
        int n = UdpWriter.WriteFrame(frame, toMac, Mac, source, to, 5000, 5000, payload);
        Send(frame.AsSpan(0, n));
    }

    /// <summary>The sequence numbers of the probes received (UDP to port 5000 with an 8-byte payload).</summary>
    public List<long> Probes()
    {
        var sequences = new List<long>();
        foreach (var frame in _received)
        {
            if (TestFrames.TryReadProbe(frame, out long sequence))
            {
                sequences.Add(sequence);
            }
        }
        return sequences;
    }

    /// <summary>The frames received that <paramref name="match"/> accepts.</summary>
    public List<byte[]> Frames(Func<byte[], bool> match) => _received.Where(match).ToList();

    public void Clear() => _received.Clear();

    public void Dispose()
    {
        foreach (var wire in _wires)
        {
            wire.Close();
        }
    }
}
