using Nvo3.Mobility;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>Planned moves of a test VM taken with the orchestrator's own steps, one at a time, so a test can act between them.</summary>
internal static class Moves
{
    /// <summary>Steps 1–2: the NVA records the move, the VM's new port at <paramref name="to"/> waits Pending, <paramref name="from"/> knows where it goes.</summary>
    public static async Task<(Move Move, LocalPort Port)> BeginAsync(this EdgeHarness h, TestVm vm, Edge from, Edge to)
    {
        var move = new Move(h.Directory, new MoveRequest($"vm{vm.N}", EdgeHarness.Vni, vm.Mac, [vm.IPv4, vm.IPv6], MigrationMode.Hot),
            new EdgeControl(from), new EdgeControl(to));
        await move.BeginAsync();
        var port = vm.Plug(to);
        await move.PreparedAsync();
        return (move, port);
    }

    /// <summary>Step 4: the VM pauses at its source; its redirect starts.</summary>
    public static async Task PauseAsync(this EdgeHarness h, Move move)
    {
        await move.PauseAsync();
        Assert.Equal(move.Destination.Name, move.RedirectTo);
    }

    /// <summary>Step 5 with an announcement: the VM runs at <paramref name="to"/> and sends a gratuitous ARP; waits until every NVE sees it there.</summary>
    public static async Task ResumeAnnouncingAsync(this EdgeHarness h, TestVm vm, Edge to)
    {
        to.ResumePort(EdgeHarness.Vni, vm.Mac);
        var garp = new byte[64];
        int n = ArpWriter.WriteGratuitousFrame(garp, vm.Mac, vm.IPv4);
        vm.Send(garp.AsSpan(0, n));
        await EdgeHarness.WaitAsync(() => to.GetPort(EdgeHarness.Vni, vm.Mac)?.State == PortState.Active, $"{to.Name} to activate vm{vm.N}");
        await WaitActiveAtAsync(h, vm, to);
    }

    /// <summary>Waits until every NVE's view has the VM active at <paramref name="at"/>.</summary>
    public static Task WaitActiveAtAsync(this EdgeHarness h, TestVm vm, Edge at) =>
        EdgeHarness.WaitAsync(() => h.Following(EdgeHarness.Vni).All(e => e.View.Bindings.TryGetValue((EdgeHarness.Vni, vm.Mac), out var b) && b.ActiveNve == at.Name),
            $"every NVE to see vm{vm.N} active at {at.Name}");
}
