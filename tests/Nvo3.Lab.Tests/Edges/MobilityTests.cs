using Nvo3.Nve;
using Nvo3.Lab;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Lab.Tests.Edges;

/// <summary>Moves under a probe stream: packets in flight are forwarded, held and delivered in order, never looped.</summary>
public class MobilityTests
{
    [Fact]
    public async Task QuickMovesAtoBtoC_NoLoopAndNoLostProbe()
    {
        await using var f = await LabFixture.StartAsync(nves: 4);
        var vm = await f.VmAsync(1, f.A);
        var peer = await f.VmAsync(4, f.D);
        await peer.PingUntilAnsweredAsync(vm.IPv4!.Value, TimeSpan.FromSeconds(10));
        using var probes = new ProbeStream(peer, vm.IPv4!.Value, TimeSpan.FromMilliseconds(1));
        await LabFixture.WaitAsync(() => vm.Probes.Unique > 20, "probes to flow");

        var first = new StepMove(f.Lab, vm, LabFixture.Vni, f.A, f.B);
        await first.BeginAsync();
        await first.SwitchOverAsync();
        await first.CommitAsync();
        var second = new StepMove(f.Lab, vm, LabFixture.Vni, f.B, f.C);
        await second.BeginAsync();
        await second.SwitchOverAsync();
        await second.CommitAsync();
        await Task.Delay(1500); // d's cache turns over; the redirects run out
        probes.Stop();
        await f.WaitOrExplainAsync(() => vm.Probes.Unique == probes.Sent, $"all {probes.Sent} probes");

        Assert.Equal(0, vm.Probes.Duplicates);
        Assert.True(f.A.Counters.ForwardedInFlight > 0, "a forwarded packets in flight");
        foreach (var edge in new[] { f.A, f.B, f.C, f.D })
        {
            Assert.Equal(0, edge.Counters.Dropped(DropReason.RedirectLoop));
            Assert.Equal(0, edge.Counters.Dropped(DropReason.NotHere));
        }
        Assert.Equal("c", f.D.GetRemote(LabFixture.Vni, vm.Mac)!.Peer!.Name);
    }

    [Fact]
    public async Task Redirect_ExpiresAfterItsTimer_ThenPacketsForTheLeaverAreDropped()
    {
        await using var f = await LabFixture.StartAsync(nves: 3);
        var vm = await f.VmAsync(1, f.A);
        using var injector = await Injector.CreateAsync(f, 9, register: true);
        var move = new StepMove(f.Lab, vm, LabFixture.Vni, f.A, f.B);
        await move.BeginAsync();
        await move.SwitchOverAsync();
        await LabFixture.WaitAsync(() => f.A.GetRedirect(LabFixture.Vni, vm.Mac)?.ExpiresTicks < long.MaxValue / 2
            && f.A.GetRedirect(LabFixture.Vni, vm.Mac)!.ExpiresTicks - f.A.Time.GetTimestamp() < f.A.Time.TimestampFrequency * 2, "the NVA to time the redirect");

        injector.Send(f.A, Injector.ProbeDatagram(LabFixture.Vni, vm, 0));
        await LabFixture.WaitAsync(() => vm.Probes.Seen(0), "the redirected probe");
        // 500 ms cache lifetime + 250 ms grace after the activation.
        await LabFixture.WaitAsync(() => f.A.GetRedirect(LabFixture.Vni, vm.Mac) is null, "the redirect to expire");
        long dropped = f.A.Counters.Dropped(DropReason.NotHere);
        injector.Send(f.A, Injector.ProbeDatagram(LabFixture.Vni, vm, 1));

        await LabFixture.WaitAsync(() => f.A.Counters.Dropped(DropReason.NotHere) == dropped + 1, "the late packet to be dropped");
        Assert.False(vm.Probes.Seen(1));
        Assert.Equal(1, f.A.Counters.ForwardedInFlight);
    }

    [Fact]
    public async Task ActivationBuffer_IsBoundedAndFlushesInOrder()
    {
        await using var f = await LabFixture.StartAsync(nves: 2, configure: o => o with { ActivationBufferFrames = 8 });
        var vm = await f.VmAsync(1, f.A);
        using var injector = await Injector.CreateAsync(f, 9, register: true);
        var move = new StepMove(f.Lab, vm, LabFixture.Vni, f.A, f.B);
        await move.BeginAsync();

        for (int i = 0; i < 20; i++)
        {
            injector.Send(f.B, Injector.ProbeDatagram(LabFixture.Vni, vm, i));
        }
        await LabFixture.WaitAsync(() => f.B.Counters.Buffered + f.B.Counters.Dropped(DropReason.ActivationBufferFull) == 20, "b to hold or refuse all 20");
        Assert.Equal(8, f.B.GetPort(LabFixture.Vni, vm.Mac)!.HeldCount);
        await move.SwitchOverAsync();

        await LabFixture.WaitAsync(() => vm.Probes.Unique == 8, "the 8 held probes");
        Assert.Equal(12, f.B.Counters.Dropped(DropReason.ActivationBufferFull));
        Assert.All(Enumerable.Range(0, 8), i => Assert.True(vm.Probes.Seen(i)));
        Assert.Equal(0, vm.Probes.Reordered);
        Assert.Equal(8, f.B.Counters.Flushed);
    }

    [Fact]
    public async Task NvaLost_NvesKeepForwarding_ThenResyncWhenItReturns()
    {
        await using var f = await LabFixture.StartAsync(new LabOptions { Store = "sqlite" }, nves: 2);
        var vm1 = await f.VmAsync(1, f.A);
        var vm2 = await f.VmAsync(2, f.B);
        await vm1.PingUntilAnsweredAsync(vm2.IPv4!.Value, TimeSpan.FromSeconds(10)); // the path is resolved before the outage
        using var probes = new ProbeStream(vm1, vm2.IPv4!.Value, TimeSpan.FromMilliseconds(1));
        await LabFixture.WaitAsync(() => vm2.Probes.Unique > 20, "probes to flow");

        await f.Lab.StopNvaAsync();
        await LabFixture.WaitAsync(() => !f.A.ConnectedToNva && !f.B.ConnectedToNva, "both NVEs to notice");
        long before = vm2.Probes.Unique;
        await Task.Delay(1200); // past the 500 ms cache lifetime: pull refreshes fail, entries stay
        Assert.True(vm2.Probes.Unique > before + 500, "probes kept flowing without the NVA");

        await f.Lab.RestartNvaAsync();
        await LabFixture.WaitAsync(() => f.A.ConnectedToNva && f.B.ConnectedToNva, "both NVEs to reconnect");
        var vm3 = await f.VmAsync(3, f.B); // a change made after the outage reaches both
        await LabFixture.WaitAsync(() => f.A.View.Bindings.ContainsKey((LabFixture.Vni, vm3.Mac)), "a to see vm3");
        probes.Stop();
        await f.WaitOrExplainAsync(() => vm2.Probes.Unique == probes.Sent, $"every probe ({vm2.Probes.Unique} of {probes.Sent}, vm1 send failures {vm1.SendFailures})");
        Assert.Equal(0, vm2.Probes.Duplicates);
    }
}

public class AnnouncementTests
{
    [Fact]
    public async Task SilentVm_IsActivatedAndAnnouncedForAfterTheGrace_Boundedly()
    {
        await using var f = await LabFixture.StartAsync(nves: 3, configure: o => o with { AnnounceGrace = TimeSpan.FromMilliseconds(100), AnnounceCount = 3 });
        var vm = await f.VmAsync(1, f.A, Announcement.None);
        var watcher = await f.VmAsync(3, f.C);
        var move = new StepMove(f.Lab, vm, LabFixture.Vni, f.A, f.B);
        await move.BeginAsync();

        await move.SwitchOverAsync(); // the VM says nothing; b waits 100 ms, then activates

        Assert.Equal(MoveTrigger.Immediate, f.B.GetPort(LabFixture.Vni, vm.Mac)!.ActivatedBy);
        await LabFixture.WaitAsync(() => f.B.Counters.AnnouncedOnBehalf == 3 * 2, "three rounds of GARP + NA");
        await Task.Delay(600);
        Assert.Equal(3 * 2, f.B.Counters.AnnouncedOnBehalf); // bounded
        await LabFixture.WaitAsync(() => f.Lab.Client.ListBindingsAsync(LabFixture.Vni).Result.Single(b => b.Name == "vm1").ActiveNve == "b", "the NVA to record the activation");
        Assert.True(f.C.Counters.Decapsulated > 0, "the announcements reached the other members");
        Assert.NotNull(watcher);
    }

    [Fact]
    public async Task ActivationStrategyGarp_IgnoresAnNaButActivatesOnTheGarp()
    {
        await using var f = await LabFixture.StartAsync(nves: 2, configure: o => o with { Activation = ActivationStrategy.Garp, AnnounceGrace = TimeSpan.FromSeconds(30) });
        var vm = await f.VmAsync(1, f.A, Announcement.Na);
        var move = new StepMove(f.Lab, vm, LabFixture.Vni, f.A, f.B);
        await move.BeginAsync();
        var (switched, port) = (move.SwitchOverAsync(), f.B.GetPort(LabFixture.Vni, vm.Mac)!);

        await LabFixture.WaitAsync(() => f.B.Counters.Announcements >= 1, "the NA to reach b");
        Assert.Equal(PortState.Pending, port.State);
        var garp = new byte[64];
        int n = ArpWriter.WriteGratuitousFrame(garp, vm.Mac, vm.IPv4!.Value);
        Assert.True(((MemoryPort)port.Port).InjectForTest(garp.AsSpan(0, n)));
        await switched;

        Assert.Equal(MoveTrigger.Garp, port.ActivatedBy);
    }

    [Fact]
    public async Task LinkLocalUnsolicitedNa_AfterAMove_ActivatesAndIsNoForeignClaim()
    {
        // A Linux VM with ndisc_notify announces its link-local address too; the directory never
        // lists link-local addresses, and the NA claims nothing but the MAC it comes from.
        await using var f = await LabFixture.StartAsync(nves: 2, configure: o => o with { Activation = ActivationStrategy.Na, AnnounceGrace = TimeSpan.FromSeconds(30) });
        var vm = await f.VmAsync(1, f.A, Announcement.Garp);
        var move = new StepMove(f.Lab, vm, LabFixture.Vni, f.A, f.B);
        await move.BeginAsync();
        var (switched, port) = (move.SwitchOverAsync(), f.B.GetPort(LabFixture.Vni, vm.Mac)!);
        await LabFixture.WaitAsync(() => f.B.Counters.Announcements >= 1, "the GARP to reach b");

        var na = new byte[128];
        var linkLocal = IpAddr.FromV6(new UInt128(0xFE80_0000_0000_0000UL, 0x0000_00FF_FE00_0001UL));
        int n = IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame(na, vm.Mac, linkLocal);
        Assert.True(((MemoryPort)port.Port).InjectForTest(na.AsSpan(0, n)));
        await switched;

        Assert.Equal(MoveTrigger.Na, port.ActivatedBy);
        Assert.Equal(0, f.B.Counters.Dropped(DropReason.ForeignClaim));
        await LabFixture.WaitAsync(() => f.Lab.Client.ListBindingsAsync(LabFixture.Vni).Result.Single(b => b.Name == "vm1").ActiveNve == "b", "the NVA to confirm the activation");
    }
}

public class ReplicationTests
{
    [Fact]
    public async Task Broadcast_ReachesTheMembersOnceEach_AndArpIsNeverFlooded()
    {
        await using var f = await LabFixture.StartAsync(nves: 3);
        var vm1 = await f.VmAsync(1, f.A);
        var vm2 = await f.VmAsync(2, f.B);
        var vm3 = await f.VmAsync(3, f.C);
        long before = f.A.Counters.Replicated;

        vm1.SendUdp(IpAddr.Parse("10.0.0.255"), 9, 9, "hello"u8); // no neighbor for it: ARP request, answered by nobody
        var frame = new byte[128];
        int n = UdpWriter.WriteFrame(frame, MacAddress.Broadcast, vm1.Mac, vm1.IPv4!.Value, IpAddr.Parse("10.0.0.255"), 9, 9, "hello"u8);
        Assert.True(((MemoryPort)f.A.GetPort(LabFixture.Vni, vm1.Mac)!.Port).InjectForTest(frame.AsSpan(0, n)));

        await LabFixture.WaitAsync(() => f.A.Counters.Replicated - before == 2, "one copy to b and one to c");
        await LabFixture.WaitAsync(() => f.B.Counters.ToTenants >= 1 && f.C.Counters.ToTenants >= 1, "b and c to deliver it");
        Assert.Equal(1, f.A.Counters.Dropped(DropReason.UnknownAddress)); // the ARP for 10.0.0.255 was not flooded
        Assert.NotNull(vm2);
        Assert.NotNull(vm3);
    }
}
