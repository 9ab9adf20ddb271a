using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>The one delivery state machine, whoever sends: local senders follow redirects like underlay arrivals, never loop, and hear unreachable from a stopped task.</summary>
public class DeliveryTests
{
    [Fact]
    public async Task LocalSenderOnTheOldNve_ProbingThroughAHotMove_LosesNothing()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        var local = await h.AddVmAsync(2, a); // the correspondent stays on the old NVE
        long sent = 0;
        async Task ProbeAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                local.SendProbe(vm.Mac, vm.IPv4, sent++);
            }
            long expected = sent;
            await EdgeHarness.WaitAsync(() => a.Counters.FromTenants >= expected, "a to read the probes");
        }

        await ProbeAsync(10);
        var (move, _) = await h.BeginAsync(vm, a, b);
        await ProbeAsync(10);
        await h.PauseAsync(move);
        await ProbeAsync(10); // the port is paused: they follow the redirect and wait at b
        Assert.True(a.DetachPort(EdgeHarness.Vni, vm.Mac)); // the VM's old port goes with it
        await ProbeAsync(10); // no port here any more: the redirect still takes them
        await h.ResumeAnnouncingAsync(vm, b);
        await ProbeAsync(10); // the directory says b now: straight there

        await EdgeHarness.WaitAsync(() => vm.Probes().Count == sent,
            () => $"all {sent} probes at the VM (got {string.Join(",", vm.Probes())}; a {Describe(a)}; b {Describe(b)})", TimeSpan.FromSeconds(20));
        Assert.Equal(Enumerable.Range(0, (int)sent).Select(i => (long)i), vm.Probes().Order());
        Assert.Equal(0, a.Counters.Dropped(DropReason.NotHere));
        Assert.True(a.Counters.ForwardedInFlight >= 20, "the probes sent while it paused and after it left followed the redirect");
    }

    [Fact]
    public async Task StoppedTask_InALayer3Network_ALocalSenderHearsUnreachable()
    {
        await using var h = await EdgeHarness.StartAsync(NetworkMode.L3);
        var a = await h.AddEdgeAsync("a", 1);
        var task = await h.AddVmAsync(11, a);
        var local = await h.AddVmAsync(12, a);
        a.SuspendPort(EdgeHarness.Vni, task.Mac, SuspendPolicy.Unreachable);

        local.SendProbe(VirtualNetwork.AnycastGatewayMac(EdgeHarness.Vni), task.IPv4, 1);

        await EdgeHarness.WaitAsync(() => local.Received.Count == 1, "the answer");
        Assert.True(IsHostUnreachable(local.Received.Single()), "an ICMP destination unreachable");
        Assert.Equal(1, a.Counters.Unreachables);
        Assert.Empty(task.Received);
    }

    [Fact]
    public async Task Unreachable_InALayer2Network_IsRefusedWithAClearError()
    {
        await using var h = await EdgeHarness.StartAsync(NetworkMode.L2);
        var a = await h.AddEdgeAsync("a", 1);
        var task = await h.AddVmAsync(1, a);

        var refused = Assert.Throws<ArgumentException>(() => a.SuspendPort(EdgeHarness.Vni, task.Mac, SuspendPolicy.Unreachable));

        Assert.Contains("Layer-2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(PortState.Active, a.GetPort(EdgeHarness.Vni, task.Mac)!.State);
    }

    [Fact]
    public async Task RedirectedPacket_ArrivingFromTheRedirectsTarget_IsDroppedNotSentBack()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        var (move, _) = await h.BeginAsync(vm, a, b);
        await h.PauseAsync(move);
        // b itself sends a packet for the VM to a (as a stale b would): a must not bounce it back.
        using var asB = new Injector2(h, b);
        asB.SendFrame(a, EdgeHarness.Vni, Injector.Probe(vm, 1));

        await EdgeHarness.WaitAsync(() => a.Counters.Dropped(DropReason.RedirectLoop) == 1, "the loop to be refused");
        Assert.Equal(0, a.Counters.ForwardedInFlight);
    }

    [Fact]
    public async Task PullEntry_FollowsAMoveTheWatchReports_SoNoPacketGoesTheTriangularWay()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var c = await h.AddEdgeAsync("c", 3);
        var vm = await h.AddVmAsync(1, a);
        var peer = await h.AddVmAsync(3, c);
        peer.SendProbe(vm.Mac, vm.IPv4, 0);
        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(0), "the first probe (c looks vm1 up)");
        Assert.Equal("a", c.GetRemote(EdgeHarness.Vni, vm.Mac)!.Peer!.Name);

        var (move, _) = await h.BeginAsync(vm, a, b);
        await h.PauseAsync(move);
        await h.ResumeAnnouncingAsync(vm, b);

        // c asked a 0 ms ago on its clock: its answer has its whole lifetime left, yet it sends to b.
        Assert.Equal("b", c.GetRemote(EdgeHarness.Vni, vm.Mac)!.Peer!.Name);
        long forwarded = a.Counters.ForwardedInFlight;
        peer.SendProbe(vm.Mac, vm.IPv4, 1);
        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(1), "the probe after the move");
        Assert.Equal(forwarded, a.Counters.ForwardedInFlight);
        Assert.Equal(1, c.Counters.Lookups);
    }

    [Fact]
    public async Task PullEntry_IsRefreshedOnceThreeQuartersOfItsLifetimeHavePassed()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var c = await h.AddEdgeAsync("c", 3);
        var vm = await h.AddVmAsync(1, a);
        var peer = await h.AddVmAsync(3, c);
        peer.SendProbe(vm.Mac, vm.IPv4, 0);
        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(0), "the first probe");
        Assert.Equal(1, c.Counters.Lookups);

        h.Advance(EdgeHarness.CacheLifetime * 0.75);
        peer.SendProbe(vm.Mac, vm.IPv4, 1);
        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(1), "a probe at three quarters");
        Assert.Equal(1, c.Counters.Lookups);

        h.Advance(TimeSpan.FromMilliseconds(1));
        peer.SendProbe(vm.Mac, vm.IPv4, 2);
        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(2) && c.Counters.Lookups == 2 && !c.GetRemote(EdgeHarness.Vni, vm.Mac)!.Refreshing,
            "a probe past it, and the refresh it started");
    }

    private static string Describe(Edge edge) => string.Join(" ", edge.Counters.Snapshot().Select(kv => $"{kv.Key}={kv.Value}"))
        + $" undeliverable={((MemoryUnderlay)edge.Underlay).Undeliverable} sent={edge.Underlay.DatagramsSent}";

    private static bool IsHostUnreachable(byte[] frame) =>
        EthernetFrame.TryParse(frame, out var eth, out _) && IPv4Packet.TryParse(eth.Payload, out var ip, out _)
        && ip.Protocol == IpProtocol.Icmp && IcmpV4Packet.TryParse(ip.Payload, out var icmp, out _)
        && icmp.Type == IcmpV4Packet.TypeDestinationUnreachable && icmp.Code == IcmpV4Packet.CodeHostUnreachable;

    /// <summary>Sends from an existing NVE's endpoint, as that NVE would.</summary>
    private sealed class Injector2(EdgeHarness h, Edge asEdge) : IDisposable
    {
        private readonly MemoryUnderlay _underlay = h.Underlay.Create(new UnderlayEndpoint(asEdge.Endpoint.Address, 9999));

        public void SendFrame(Edge to, uint vni, ReadOnlySpan<byte> frame)
        {
            var datagram = new byte[VxlanHeader.Length + frame.Length];
            VxlanHeader.Write(datagram, vni);
            frame.CopyTo(datagram.AsSpan(VxlanHeader.Length));
            _underlay.Send(datagram, new Peer(to.Name, to.Endpoint), 0, gpe: false);
        }

        public void Dispose() => _underlay.Dispose();
    }
}
