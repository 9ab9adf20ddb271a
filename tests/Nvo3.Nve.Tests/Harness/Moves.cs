using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>The network steps of a planned move, as the orchestrator takes them, for tests to take one at a time.</summary>
internal static class Moves
{
    /// <summary>Steps 1–2: the NVA records the move, the VM's new port at <paramref name="to"/> waits Pending, <paramref name="from"/> knows where it goes.</summary>
    public static async Task<(Migration Migration, LocalPort Port)> BeginAsync(this EdgeHarness h, TestVm vm, Edge from, Edge to)
    {
        var migration = await h.Authority.BeginMigrationAsync(new BeginMigrationRequest(null, EdgeHarness.Vni, vm.Mac, to.Name, MigrationMode.Hot));
        await EdgeHarness.WaitAsync(() => from.View.Redirects.ContainsKey((EdgeHarness.Vni, vm.Mac, from.Name)), $"{from.Name} to learn where vm{vm.N} goes");
        var port = vm.Plug(to);
        await EdgeHarness.WaitAsync(() => port.State == PortState.Pending, $"vm{vm.N}'s port at {to.Name} to pre-associate");
        return (migration, port);
    }

    /// <summary>Step 4: the VM pauses at <paramref name="from"/>; its redirect starts.</summary>
    public static async Task PauseAsync(this EdgeHarness h, Migration migration, TestVm vm, Edge from)
    {
        Assert.Equal(migration.Destination, from.PausePort(EdgeHarness.Vni, vm.Mac));
        await h.Authority.PauseMigrationAsync(migration.Id);
    }

    /// <summary>Step 5 with an announcement: the VM runs at <paramref name="to"/> and sends a gratuitous ARP; waits until the NVA has it there.</summary>
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
        EdgeHarness.WaitAsync(() => h.Edges.All(e => e.View.Bindings.TryGetValue((EdgeHarness.Vni, vm.Mac), out var b) && b.ActiveNve == at.Name),
            $"every NVE to see vm{vm.N} active at {at.Name}");
}
