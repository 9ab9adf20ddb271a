using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Lab;

/// <summary>One measured frame size: frames per second end to end and what was lost on the way.</summary>
/// <param name="FrameBytes">The tenant frame's size.</param>
/// <param name="Sent">Frames the generator handed to the first NVE.</param>
/// <param name="Received">Frames that came out of the second NVE.</param>
/// <param name="Seconds">How long the measurement ran.</param>
/// <param name="UnderlayBytesPerPacket">UDP payload bytes per tunnelled packet (tunnel header and inner packet).</param>
/// <param name="Layer">l2 (VXLAN with the inner Ethernet header) or l3 (VXLAN-GPE without it).</param>
public sealed record DataplaneFigures(int FrameBytes, long Sent, long Received, double Seconds, double UnderlayBytesPerPacket = 0, string Layer = "l2")
{
    /// <summary>Bytes per packet on an Ethernet underlay: outer Ethernet 14, IPv4 20, UDP 8, then the UDP payload.</summary>
    public double WireBytesPerPacket => UnderlayBytesPerPacket + EthernetFrame.HeaderLength + IPv4Packet.MinHeaderLength + UdpDatagram.HeaderLength;

    /// <summary>Frames per second through both NVEs.</summary>
    public double PacketsPerSecond => Received / Seconds;

    /// <summary>Tenant bits per second (frame bytes, without the tunnel).</summary>
    public double BitsPerSecond => PacketsPerSecond * FrameBytes * 8;
}

/// <summary>
/// Encapsulate → UDP → decapsulate between two NVEs on loopback: a generator writes tenant
/// frames into one NVE's port as fast as the port takes them, a sink counts what comes out of the
/// other NVE's port. Both NVEs are the real thing (sockets, threads, tables).
/// </summary>
public static class DataplaneBenchmark
{
    /// <summary>
    /// Measures each frame size for <paramref name="duration"/>, in a Layer-2 network (VXLAN) or,
    /// with <paramref name="layer3"/>, a Layer-3 one (VXLAN-GPE, the frames addressed to the
    /// anycast gateway).
    /// </summary>
    public static async Task<IReadOnlyList<DataplaneFigures>> RunAsync(IEnumerable<int> frameSizes, TimeSpan duration, bool layer3 = false, CancellationToken cancellationToken = default)
    {
        await using var lab = await InProcessLab.StartAsync(new LabOptions(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await lab.Client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "bench", layer3 ? NetworkMode.L3 : NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(60)), cancellationToken).ConfigureAwait(false);
        var a = await lab.AddNveAsync("a", o => o with { Mode = UpdateMode.Push }, cancellationToken).ConfigureAwait(false);
        var b = await lab.AddNveAsync("b", o => o with { Mode = UpdateMode.Push }, cancellationToken).ConfigureAwait(false);
        var srcMac = MacAddress.Parse("02:00:00:00:00:01");
        var dstMac = MacAddress.Parse("02:00:00:00:00:02");
        var srcIp = IpAddr.Parse("10.0.0.11");
        var dstIp = IpAddr.Parse("10.0.0.12");
        await lab.Client.AttachAsync(new AttachRequest(100, srcMac, [srcIp], "a"), cancellationToken).ConfigureAwait(false);
        await lab.Client.AttachAsync(new AttachRequest(100, dstMac, [dstIp], "b"), cancellationToken).ConfigureAwait(false);
        await InProcessLab.WaitForAsync(() => a.View.Bindings.Count == 2 && b.View.Bindings.Count == 2, "both NVEs to see both bindings", cancellationToken).ConfigureAwait(false);
        var (aSide, generator) = MemoryPort.CreatePair("gen", 8192);
        var (bSide, sink) = MemoryPort.CreatePair("sink", 8192);
        a.AttachPort(aSide, 100, srcMac);
        b.AttachPort(bSide, 100, dstMac);
        await InProcessLab.WaitForAsync(() => a.GetPort(100, srcMac)!.State == PortState.Active && b.GetPort(100, dstMac)!.State == PortState.Active,
            "both ports active", cancellationToken).ConfigureAwait(false);

        var results = new List<DataplaneFigures>();
        foreach (int size in frameSizes)
        {
            var frame = new byte[size];
            int header = EthernetFrame.HeaderLength + IPv4Packet.MinHeaderLength + UdpDatagram.HeaderLength;
            // In Layer 3 the VM sends to the anycast gateway's MAC, as its ARP answer told it.
            var ethDst = layer3 ? VirtualNetwork.AnycastGatewayMac(100) : dstMac;
            UdpWriter.WriteFrame(frame, ethDst, srcMac, srcIp, dstIp, 5000, 5001, new byte[Math.Max(0, size - header)]);
            long bytes = a.Underlay.BytesSent, datagrams = a.Underlay.DatagramsSent;
            var figures = Measure(generator, sink, frame, duration);
            double perPacket = (double)(a.Underlay.BytesSent - bytes) / Math.Max(1, a.Underlay.DatagramsSent - datagrams);
            results.Add(figures with { UnderlayBytesPerPacket = perPacket, Layer = layer3 ? "l3" : "l2" });
        }
        return results;
    }

    private static DataplaneFigures Measure(MemoryPort generator, MemoryPort sink, byte[] frame, TimeSpan duration)
    {
        // Warm the path (location known, JIT done), then count.
        for (int i = 0; i < 1000; i++)
        {
            generator.Send(frame);
        }
        Thread.Sleep(200);
        sink.Drain(_ => { });
        long received = 0;
        using var stop = new CancellationTokenSource();
        var counter = new Thread(() =>
        {
            var batch = new FrameBatch(64);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    received += sink.Receive(batch, stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }) { IsBackground = true };
        counter.Start();
        long sent = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            if (generator.Send(frame))
            {
                sent++;
            }
            else
            {
                Thread.Yield(); // the NVE's port is full: let it drain
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        // What is queued and in flight arrives: wait until the count stops moving.
        long last = -1;
        for (int i = 0; i < 40 && Interlocked.Read(ref received) != last; i++)
        {
            last = Interlocked.Read(ref received);
            Thread.Sleep(100);
        }
        stop.Cancel();
        counter.Join();
        return new DataplaneFigures(frame.Length, sent, Interlocked.Read(ref received), seconds);
    }
}
