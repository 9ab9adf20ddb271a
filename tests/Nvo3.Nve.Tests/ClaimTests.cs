using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>Unplanned moves: a VM that announces itself where the directory never placed it claims its binding through the NVA, which decides.</summary>
public class ClaimTests
{
    private static void AnnounceGarp(TestVm vm)
    {
        var garp = new byte[64];
        int n = ArpWriter.WriteGratuitousFrame(garp, vm.Mac, vm.IPv4);
        vm.Send(garp.AsSpan(0, n));
    }

    [Fact]
    public async Task Announcement_WhereTheBindingHasNoPlacement_ClaimsItAsAnUnplannedMove()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        var port = vm.Plug(b); // it appears at b with no migration behind it
        Assert.Equal(PortState.Learning, port.State);

        AnnounceGarp(vm);

        await EdgeHarness.WaitAsync(() => port.State == PortState.Active, "b to activate vm1 once the NVA agreed");
        await h.WaitActiveAtAsync(vm, b);
        var binding = (await h.Authority.GetBindingAsync(EdgeHarness.Vni, vm.Mac))!;
        Assert.Equal(2, binding.Sequence);
        Assert.Equal(MoveTrigger.Garp, binding.LastTrigger);
        Assert.Single(binding.UnplannedMoves);
        Assert.Null(binding.At("a")); // unplanned: nothing stays reserved where it was
        await EdgeHarness.WaitAsync(() => a.GetPort(EdgeHarness.Vni, vm.Mac)!.State == PortState.Learning, "a to let its old port go");
        Assert.Equal(0, b.Counters.Dropped(DropReason.ClaimRefused));
    }

    [Fact]
    public async Task Announcement_OfAStickyBindingElsewhere_IsRefusedCountedAndChangesNothing()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a, sticky: true);
        var port = vm.Plug(b);

        AnnounceGarp(vm);

        await EdgeHarness.WaitAsync(() => b.Counters.Dropped(DropReason.ClaimRefused) == 1, "the NVA to refuse b's claim");
        Assert.Equal(PortState.Learning, port.State);
        Assert.Equal(PortState.Active, a.GetPort(EdgeHarness.Vni, vm.Mac)!.State);
        var binding = (await h.Authority.GetBindingAsync(EdgeHarness.Vni, vm.Mac))!;
        Assert.Equal(("a", 1L), (binding.ActiveNve, binding.Sequence));
        Assert.Null(binding.At("b"));
    }

    [Fact]
    public async Task Announcement_ClaimingAnotherVmsAddress_IsDroppedHereAndNeverReachesTheNva()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        var other = await h.AddVmAsync(2, a);
        var port = vm.Plug(b);
        var garp = new byte[64];
        int n = ArpWriter.WriteGratuitousFrame(garp, vm.Mac, other.IPv4);

        vm.Send(garp.AsSpan(0, n));

        await EdgeHarness.WaitAsync(() => b.Counters.Dropped(DropReason.ForeignClaim) == 1, "b to refuse the foreign claim");
        Assert.Equal(PortState.Learning, port.State);
        Assert.Equal(0, b.Counters.Dropped(DropReason.ClaimRefused));
        Assert.Equal(1, (await h.Authority.GetBindingAsync(EdgeHarness.Vni, vm.Mac))!.Sequence);
    }
}
