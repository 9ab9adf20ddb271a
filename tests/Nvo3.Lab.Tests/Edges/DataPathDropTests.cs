using Nvo3.Nve;
using Nvo3.Lab;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Lab.Tests.Edges;

/// <summary>What arrives malformed, from strangers or for the wrong place is dropped and counted, never delivered.</summary>
public class DataPathDropTests
{
    private static async Task<(LabFixture F, EmulatedVm Vm)> OneVmAsync()
    {
        var f = await LabFixture.StartAsync(nves: 2);
        var vm = await f.VmAsync(1, f.A);
        return (f, vm);
    }

    [Fact]
    public async Task Underlay_UnknownVni_IsDroppedAndCounted()
    {
        var (f, vm) = await OneVmAsync();
        await using var _ = f;
        using var injector = await Injector.CreateAsync(f, 9, register: true);

        injector.Send(f.A, Injector.ProbeDatagram(4242, vm, 0));
        injector.Send(f.A, Injector.ProbeDatagram(LabFixture.Vni, vm, 1)); // a good one, to know when both were processed

        await LabFixture.WaitAsync(() => vm.Probes.Seen(1), "the good probe");
        Assert.Equal(1, f.A.Counters.Dropped(DropReason.UnknownVni));
        Assert.False(vm.Probes.Seen(0));
    }

    [Fact]
    public async Task Underlay_FromAnUnregisteredAddress_IsDroppedAndCounted()
    {
        var (f, vm) = await OneVmAsync();
        await using var _ = f;
        using var stranger = await Injector.CreateAsync(f, 10, register: false);

        stranger.Send(f.A, Injector.ProbeDatagram(LabFixture.Vni, vm, 0));

        await LabFixture.WaitAsync(() => f.A.Counters.Dropped(DropReason.UnknownSender) == 1, "the stranger's packet to be dropped");
        Assert.False(vm.Probes.Seen(0));
    }

    [Fact]
    public async Task Underlay_BadFlagsOrTruncated_AreDroppedAndCounted()
    {
        var (f, vm) = await OneVmAsync();
        await using var _ = f;
        using var injector = await Injector.CreateAsync(f, 9, register: true);
        var noIFlag = Injector.ProbeDatagram(LabFixture.Vni, vm, 0);
        noIFlag[0] = 0;
        var reserved = Injector.ProbeDatagram(LabFixture.Vni, vm, 1);
        reserved[7] = 1;
        var truncatedHeader = Injector.ProbeDatagram(LabFixture.Vni, vm, 2)[..5];
        var truncatedFrame = Injector.ProbeDatagram(LabFixture.Vni, vm, 3)[..(VxlanHeader.Length + 10)];

        foreach (var datagram in new[] { noIFlag, reserved, truncatedHeader, truncatedFrame })
        {
            injector.Send(f.A, datagram);
        }
        injector.Send(f.A, Injector.ProbeDatagram(LabFixture.Vni, vm, 4));

        await LabFixture.WaitAsync(() => vm.Probes.Seen(4), "the good probe");
        Assert.Equal(2, f.A.Counters.Dropped(DropReason.BadVxlan));
        Assert.Equal(2, f.A.Counters.Dropped(DropReason.Malformed));
        Assert.Equal(1, vm.Probes.Unique);
    }

    [Fact]
    public async Task Underlay_DatagramLargerThanAnyFrame_IsDroppedAndCountedAndTheLoopGoesOn()
    {
        var (f, vm) = await OneVmAsync();
        await using var _ = f;
        using var injector = await Injector.CreateAsync(f, 9, register: true);
        var jumbo = new byte[UnderlayBatch.MaxDatagram + 1000];
        Injector.ProbeDatagram(LabFixture.Vni, vm, 0).CopyTo(jumbo, 0);

        injector.Send(f.A, jumbo);
        injector.Send(f.A, Injector.ProbeDatagram(LabFixture.Vni, vm, 1));

        await LabFixture.WaitAsync(() => vm.Probes.Seen(1), "the good probe after the oversized one");
        Assert.Equal(1, f.A.Counters.Dropped(DropReason.Malformed));
        Assert.False(vm.Probes.Seen(0));
    }

    [Fact]
    public async Task Underlay_ForAMacThatIsNotHere_IsDroppedAndCounted()
    {
        var (f, vm) = await OneVmAsync();
        await using var _ = f;
        using var injector = await Injector.CreateAsync(f, 9, register: true);
        var elsewhere = new EmulatedVm("ghost", MacAddress.Parse("02:00:00:00:07:07"), IpAddr.Parse("10.0.0.77"), null, Announcement.None);

        injector.Send(f.A, Injector.ProbeDatagram(LabFixture.Vni, elsewhere, 0));

        await LabFixture.WaitAsync(() => f.A.Counters.Dropped(DropReason.NotHere) == 1, "the drop");
    }

    [Fact]
    public async Task Tenant_ForeignSourceMacOrIp_IsDropped()
    {
        var (f, vm) = await OneVmAsync();
        await using var _ = f;
        var vm2 = await f.VmAsync(2, f.B);
        var port = f.A.GetPort(LabFixture.Vni, vm.Mac)!;
        var wire = (MemoryPort)port.Port;
        Span<byte> payload = stackalloc byte[Probe.Length];
        Probe.Write(payload, 0, 0);
        var frame = new byte[128];

        int spoofedMac = UdpWriter.WriteFrame(frame, vm2.Mac, MacAddress.Parse("02:00:00:00:06:06"), vm.IPv4!.Value, vm2.IPv4!.Value, 1, Probe.Port, payload);
        InjectFromVm(f, vm, frame.AsSpan(0, spoofedMac));
        int spoofedIp = UdpWriter.WriteFrame(frame, vm2.Mac, vm.Mac, IpAddr.Parse("10.0.0.66"), vm2.IPv4!.Value, 1, Probe.Port, payload);
        InjectFromVm(f, vm, frame.AsSpan(0, spoofedIp));

        await LabFixture.WaitAsync(() => f.A.Counters.Dropped(DropReason.SourceGuard) == 2, "both spoofed frames dropped");
        Assert.False(vm2.Probes.Seen(0));
        Assert.NotNull(wire);
    }

    [Fact]
    public async Task GratuitousArpForAForeignIp_IsRefusedCountedAndLeavesTheDirectory()
    {
        var (f, vm) = await OneVmAsync();
        await using var _ = f;
        await f.VmAsync(2, f.B);
        long revision = await f.Lab.Nva.Authority.Store.GetRevisionAsync();
        var frame = new byte[64];

        int n = ArpWriter.WriteGratuitousFrame(frame, vm.Mac, IpAddr.Parse("10.0.0.2")); // vm2's address
        InjectFromVm(f, vm, frame.AsSpan(0, n));
        n = IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame(frame = new byte[128], vm.Mac, IpAddr.Parse("fd00:100::2"));
        InjectFromVm(f, vm, frame.AsSpan(0, n));

        await LabFixture.WaitAsync(() => f.A.Counters.Dropped(DropReason.ForeignClaim) == 2, "both claims refused");
        await Task.Delay(100);
        Assert.Equal(revision, await f.Lab.Nva.Authority.Store.GetRevisionAsync());
        Assert.Equal("b", (await f.Lab.Client.ListBindingsAsync(LabFixture.Vni)).Single(b => b.Name == "vm2").ActiveNve);
    }

    // What the VM's NIC would send: straight into the NVE side of its wire.
    private static void InjectFromVm(LabFixture f, EmulatedVm vm, ReadOnlySpan<byte> frame)
    {
        var wire = (MemoryPort)f.A.GetPort(LabFixture.Vni, vm.Mac)!.Port;
        Assert.True(wire.InjectForTest(frame));
    }
}
