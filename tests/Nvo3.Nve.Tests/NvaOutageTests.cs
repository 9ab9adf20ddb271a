using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>
/// An NVE that loses the NVA: a switchover it made meanwhile is confirmed when the NVA returns,
/// and its loops survive failures of their own (restarted after a back-off, counted, logged once).
/// </summary>
public class NvaOutageTests
{
    [Fact]
    public async Task MoveActivatedWhileTheNvaIsAway_IsConfirmedWhenItReturns_NotDropped()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var flaky = new FlakyDirectory(h.Directory);
        var b = await h.AddEdgeAsync("b", 2, directory: flaky);
        var vm = await h.AddVmAsync(1, a);
        var (move, port) = await h.BeginAsync(vm, a, b);
        await h.PauseAsync(move);

        flaky.Down = true;
        b.ResumePort(EdgeHarness.Vni, vm.Mac);
        var garp = new byte[64];
        vm.Send(garp.AsSpan(0, ArpWriter.WriteGratuitousFrame(garp, vm.Mac, vm.IPv4)));
        await EdgeHarness.WaitAsync(() => port.State == PortState.Active, "b to switch over on the VM's announcement");

        // Far longer than the confirmation's old 20 tries (about 21 s): it must still be trying.
        // The clock moves a second per look, so a retry whose timer starts late (a loaded
        // machine) is still reached: the fake clock never runs ahead of the loop it drives.
        await EdgeHarness.WaitAsync(() =>
        {
            h.Advance(TimeSpan.FromSeconds(1));
            return flaky.Activations >= 25;
        }, () => $"b to keep confirming while the NVA is away (tried {flaky.Activations} times)");
        Assert.Equal(PortState.Active, port.State);
        Assert.Equal("a", (await h.Authority.LookupByMacAsync(EdgeHarness.Vni, vm.Mac)).Host?.Name);

        flaky.Down = false;
        await EdgeHarness.WaitAsync(() =>
        {
            h.Advance(TimeSpan.FromMilliseconds(500));
            return h.Authority.LookupByMacAsync(EdgeHarness.Vni, vm.Mac).GetAwaiter().GetResult().Host?.Name == "b";
        }, "the NVA to have the move confirmed at b");
        await h.WaitActiveAtAsync(vm, b);
        Assert.Equal(PortState.Active, port.State);
        Assert.True(b.Counters.ConfirmRetries >= 24, $"retries: {b.Counters.ConfirmRetries}");
        Assert.Equal(0, b.Counters.Dropped(DropReason.ClaimRefused));
    }

    [Fact]
    public async Task UnderlayLoop_ThatThrows_IsRestartedAfterABackOff_AndTrafficFlowsAgain()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        FailingUnderlay? failing = null;
        var b = await h.AddEdgeAsync("b", 2, underlay: u => failing = new FailingUnderlay(u));
        var vm1 = await h.AddVmAsync(1, a);
        var vm2 = await h.AddVmAsync(2, b);
        vm1.SendProbe(vm2.Mac, vm2.IPv4, 0);
        await EdgeHarness.WaitAsync(() => vm2.Probes().Count == 1, "the first probe");

        // A bug in the underlay path: one datagram whose handling throws.
        failing!.FailNextReceive();
        vm1.SendProbe(vm2.Mac, vm2.IPv4, 1);
        await EdgeHarness.WaitAsync(() => b.LoopFailures == 1, "b's underlay loop to fail once");
        await EdgeHarness.WaitAsync(() =>
        {
            h.Advance(TimeSpan.FromMilliseconds(100));
            vm1.SendProbe(vm2.Mac, vm2.IPv4, 2);
            return vm2.Probes().Contains(2);
        }, "b's underlay loop to run again");

        Assert.Equal(1, b.LoopFailures);
        Assert.Single(h.Log.Errors, e => e.Contains("NVE b", StringComparison.Ordinal) && e.Contains("underlay", StringComparison.Ordinal));
        h.Log.Clear();
    }

    [Fact]
    public async Task ViewLoop_WhoseHandlerThrows_IsRestarted_ReloadsAndFollowsLaterChanges()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        int failOnce = 1;
        a.View.Changed += c =>
        {
            if (c.Kind == ChangeKind.BindingPut && Interlocked.Exchange(ref failOnce, 0) == 1)
            {
                throw new InvalidOperationException("a bug in a handler");
            }
        };
        int loads = a.View.Loads;
        var vm1 = new TestVm(1);
        await h.Authority.AttachAsync(new AttachRequest(EdgeHarness.Vni, vm1.Mac, [vm1.IPv4], "a", "vm1"));
        await EdgeHarness.WaitAsync(() => a.LoopFailures == 1, "a's view loop to fail once");
        await EdgeHarness.WaitAsync(() =>
        {
            h.Advance(TimeSpan.FromMilliseconds(100));
            return a.View.Loads > loads;
        }, "a's view to be restarted with a fresh snapshot");

        var vm2 = new TestVm(2);
        await h.Authority.AttachAsync(new AttachRequest(EdgeHarness.Vni, vm2.Mac, [vm2.IPv4], "a", "vm2"));
        await EdgeHarness.WaitAsync(() => a.View.Bindings.ContainsKey((EdgeHarness.Vni, vm2.Mac)), "a's view to follow a later change");
        Assert.True(a.View.Bindings.ContainsKey((EdgeHarness.Vni, vm1.Mac)));
        Assert.Equal(1, a.LoopFailures);
        Assert.Single(h.Log.Errors);
        h.Log.Clear();
        vm1.Dispose();
        vm2.Dispose();
    }
}
