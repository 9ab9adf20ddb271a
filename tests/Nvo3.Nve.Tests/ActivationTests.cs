using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>The arriving side of a move on a fake clock: the activation buffer's bound and deadline, and a silent VM activated and announced for.</summary>
public class ActivationTests
{
    [Fact]
    public async Task HeldFrames_PastTheBufferTimeout_AreDroppedAsActivationTimeout_NotBefore()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        using var injector = await Injector.CreateAsync(h, 9);
        var (_, port) = await h.BeginAsync(vm, a, b);

        for (int i = 0; i < 5; i++)
        {
            injector.SendFrame(b, EdgeHarness.Vni, Injector.Probe(vm, i));
        }
        await EdgeHarness.WaitAsync(() => port.HeldCount == 5, "b to hold the 5 probes");

        h.Advance(b.Options.ActivationBufferTimeout);
        Assert.Equal(5, port.HeldCount);
        Assert.Equal(0, b.Counters.Dropped(DropReason.ActivationTimeout));

        h.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(0, port.HeldCount);
        Assert.Equal(5, b.Counters.Dropped(DropReason.ActivationTimeout));
        Assert.Empty(vm.Probes());
    }

    [Fact]
    public async Task HeldFrames_AtTheActivation_AreDeliveredInOrder_BeforeAnyLaterOne()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2, o => o with { ActivationBufferFrames = 4 });
        var vm = await h.AddVmAsync(1, a);
        using var injector = await Injector.CreateAsync(h, 9);
        var (_, port) = await h.BeginAsync(vm, a, b);
        for (int i = 0; i < 6; i++)
        {
            injector.SendFrame(b, EdgeHarness.Vni, Injector.Probe(vm, i));
        }
        await EdgeHarness.WaitAsync(() => b.Counters.Buffered + b.Counters.Dropped(DropReason.ActivationBufferFull) == 6, "b to hold 4 and refuse 2");

        await h.ResumeAnnouncingAsync(vm, b);
        injector.SendFrame(b, EdgeHarness.Vni, Injector.Probe(vm, 6));

        await EdgeHarness.WaitAsync(() => vm.Probes().Count == 5, "the 4 held probes and the later one");
        Assert.Equal([0, 1, 2, 3, 6], vm.Probes());
        Assert.Equal(2, b.Counters.Dropped(DropReason.ActivationBufferFull));
        Assert.Equal(4, b.Counters.Flushed);
    }

    [Fact]
    public async Task SilentVm_AfterTheGrace_IsActivatedAndAnnouncedFor_FiveTimesAtQemusIntervals()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var c = await h.AddEdgeAsync("c", 3);
        var vm = await h.AddVmAsync(1, a);
        var peer = await h.AddVmAsync(3, c);
        var (move, port) = await h.BeginAsync(vm, a, b);
        await h.PauseAsync(move);
        b.ResumePort(EdgeHarness.Vni, vm.Mac); // it runs at b and never announces

        h.Advance(b.Options.AnnounceGrace);
        Assert.Equal(PortState.Pending, port.State);

        // Past the grace: activated, and the first announcement (a GARP per IPv4 address, an NA per
        // IPv6 one) goes to the network at once; the next ones 50, 150, 250 and 350 ms apart.
        h.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(PortState.Active, port.State);
        Assert.Equal(MoveTrigger.Immediate, port.ActivatedBy);
        int[] gaps = [0, 50, 150, 250, 350];
        for (int i = 0; i < gaps.Length; i++)
        {
            if (gaps[i] > 0)
            {
                h.Advance(TimeSpan.FromMilliseconds(gaps[i] - 1));
                Assert.Equal(i, GarpsFrom(peer, vm));
                h.Advance(TimeSpan.FromMilliseconds(1));
            }
            int announced = i + 1;
            await EdgeHarness.WaitAsync(() => GarpsFrom(peer, vm) == announced && peer.Frames(TestFrames.IsUnsolicitedNa).Count == announced,
                $"announcement {announced} at the correspondent");
        }
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(10, b.Counters.AnnouncedOnBehalf);
        await h.WaitActiveAtAsync(vm, b);
        Assert.Equal(5, GarpsFrom(peer, vm));
    }

    [Fact]
    public async Task SilentVm_InALayer3Network_IsActivated_AndNoVmSeesItsMac()
    {
        await using var h = await EdgeHarness.StartAsync(NetworkMode.L3);
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var c = await h.AddEdgeAsync("c", 3);
        // 10.0.0.1 is the gateway's.
        var vm = await h.AddVmAsync(11, a);
        var local = await h.AddVmAsync(12, b);
        var peer = await h.AddVmAsync(13, c);
        var (move, port) = await h.BeginAsync(vm, a, b);
        await h.PauseAsync(move);
        b.ResumePort(EdgeHarness.Vni, vm.Mac);

        h.Advance(b.Options.AnnounceGrace + TimeSpan.FromMilliseconds(1));
        Assert.Equal(PortState.Active, port.State);
        h.Advance(TimeSpan.FromSeconds(2)); // every announcement a Layer-2 network would have had
        await h.WaitActiveAtAsync(vm, b);

        // In a Layer-3 network nothing but the gateway's MAC may reach a VM: the VMs' neighbour
        // entries all point at the gateway, which every NVE is.
        var gateway = VirtualNetwork.AnycastGatewayMac(EdgeHarness.Vni);
        peer.SendProbe(gateway, vm.IPv4, 1);
        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(1), "a probe to the moved task");
        Assert.Equal(0, b.Counters.AnnouncedOnBehalf);
        Assert.All(peer.Received.Concat(local.Received), frame => Assert.Equal(gateway, TestFrames.SourceMac(frame)));
    }

    private static int GarpsFrom(TestVm at, TestVm about) =>
        at.Frames(f => TestFrames.IsArp(f) && TestFrames.SourceMac(f) == about.Mac).Count;
}
