using Nvo3.Nva;

namespace Nvo3.Nve.Tests;

/// <summary>What the NVEs do when the directory changes under a move: a migration given up, a binding detached, a packet for a binding that lives elsewhere.</summary>
public class DirectoryFollowTests
{
    [Fact]
    public async Task MigrationAborted_AfterThePause_TheUntimedRedirectEnds_AndTheArrivingPortDropsWhatItHeld()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        using var injector = await Injector.CreateAsync(h, 9);
        var (move, port) = await h.BeginAsync(vm, a, b);
        await h.PauseAsync(move);
        injector.SendFrame(a, EdgeHarness.Vni, Injector.Probe(vm, 1)); // forwarded to b, held there
        await EdgeHarness.WaitAsync(() => port.HeldCount == 1, "b to hold the probe a forwarded");
        Assert.False(a.GetRedirect(EdgeHarness.Vni, vm.Mac)!.Timed);

        await h.Authority.AbortMigrationAsync(move.Record!.Id, "the transfer failed");

        await EdgeHarness.WaitAsync(() => a.GetRedirect(EdgeHarness.Vni, vm.Mac) is null, "a to end its untimed redirect");
        await EdgeHarness.WaitAsync(() => port.State == PortState.Learning, "b to give up the arriving port");
        Assert.Equal(0, port.HeldCount);
        Assert.Equal(1, b.Counters.Dropped(DropReason.NotHere));
        a.ReactivatePort(EdgeHarness.Vni, vm.Mac); // the workload runs at a again
        injector.SendFrame(a, EdgeHarness.Vni, Injector.Probe(vm, 2));
        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(2), "the next probe at the VM, still at a");
        Assert.Equal(1, a.Counters.ForwardedInFlight);
    }

    [Fact]
    public async Task MigrationAborted_BeforeThePause_PausingFindsNowhereToGo()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        var (move, port) = await h.BeginAsync(vm, a, b);

        await h.Authority.AbortMigrationAsync(move.Record!.Id, "given up");

        await EdgeHarness.WaitAsync(() => port.State == PortState.Learning && !a.View.Redirects.ContainsKey((EdgeHarness.Vni, vm.Mac, "a")),
            "b to give up its port and a to see the redirect gone");
        Assert.Null(a.PausePort(EdgeHarness.Vni, vm.Mac)); // nothing prepared any more: no redirect starts
        Assert.Null(a.GetRedirect(EdgeHarness.Vni, vm.Mac));
    }

    [Fact]
    public async Task UnderlayPacket_ForABindingThatLivesElsewhere_IsDroppedNeverSentOn()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, b);
        using var injector = await Injector.CreateAsync(h, 9);
        long sent = a.Underlay.DatagramsSent;

        injector.SendFrame(a, EdgeHarness.Vni, Injector.Probe(vm, 1)); // a stale sender's packet: vm1 is at b, never was at a

        await EdgeHarness.WaitAsync(() => a.Counters.Dropped(DropReason.NotHere) == 1, "a to drop it");
        Assert.Equal(sent, a.Underlay.DatagramsSent); // only a redirect may send an underlay packet on
        Assert.Equal(0, a.Counters.Lookups);
        Assert.Empty(vm.Probes());
    }

    [Fact]
    public async Task BindingDetached_ItsPortGoesBackToLearning_AndCorrespondentsForgetIt()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var c = await h.AddEdgeAsync("c", 3);
        var vm = await h.AddVmAsync(1, a);
        var peer = await h.AddVmAsync(3, c);
        peer.SendProbe(vm.Mac, vm.IPv4, 0);
        await EdgeHarness.WaitAsync(() => vm.Probes().Contains(0), "the first probe (c looks vm1 up)");
        Assert.NotNull(c.GetRemote(EdgeHarness.Vni, vm.Mac));

        await h.Authority.DetachAsync(EdgeHarness.Vni, vm.Mac);

        await EdgeHarness.WaitAsync(() => a.GetPort(EdgeHarness.Vni, vm.Mac)!.State == PortState.Learning, "a to take the port out of forwarding");
        await EdgeHarness.WaitAsync(() => c.GetRemote(EdgeHarness.Vni, vm.Mac) is null, "c to forget where vm1 was");
        peer.SendProbe(vm.Mac, vm.IPv4, 1);
        await EdgeHarness.WaitAsync(() => c.Counters.Lookups == 2, "c to ask the NVA again");
        Assert.DoesNotContain(1L, vm.Probes());
    }
}
