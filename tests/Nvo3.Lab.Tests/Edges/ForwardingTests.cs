using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Lab.Tests.Edges;

public class ForwardingTests
{
    [Fact]
    public async Task Ping_BetweenVmsOnTwoNves_GetsRepliesOverIPv4AndIPv6()
    {
        await using var f = await LabFixture.StartAsync(nves: 2);
        var vm1 = await f.VmAsync(1, f.A);
        var vm2 = await f.VmAsync(2, f.B);

        for (ushort i = 0; i < 3; i++)
        {
            vm1.Ping(vm2.IPv4!.Value, i);
            vm1.Ping(vm2.IPv6!.Value, i);
        }

        await LabFixture.WaitAsync(() => vm1.EchoReplies >= 6, "six echo replies");
        Assert.True(f.A.Counters.ArpReplies >= 1, "the ARP request was answered by the NVE");
        Assert.True(f.A.Counters.NdReplies >= 1, "the NS was answered by the NVE");
        Assert.True(f.A.Counters.Encapsulated >= 6);
        Assert.Equal(0, f.A.Counters.Dropped(DropReason.UnknownSender) + f.B.Counters.Dropped(DropReason.UnknownSender));
    }

    [Fact]
    public async Task Burst_BeforeTheLocationIsKnown_IsHeldBoundedAndTheRestCounted()
    {
        await using var f = await LabFixture.StartAsync(nves: 2);
        var vm1 = await f.VmAsync(1, f.A);
        var vm2 = await f.VmAsync(2, f.B);

        for (int i = 0; i < 200; i++)
        {
            vm1.SendProbe(vm2.IPv4!.Value, i);
        }

        await LabFixture.WaitAsync(() => vm2.Probes.Unique + f.A.Counters.Dropped(DropReason.LookupFailed) == 200, "every probe delivered or counted");
        Assert.True(vm2.Probes.Unique >= f.A.Options.LookupQueueFrames, "the held frames went out once the look-up answered");
        Assert.True(f.A.Counters.Lookups >= 1);
    }

    [Fact]
    public async Task Probes_BetweenVmsOnTwoNves_AllArrive()
    {
        await using var f = await LabFixture.StartAsync(nves: 2);
        var vm1 = await f.VmAsync(1, f.A);
        var vm2 = await f.VmAsync(2, f.B);

        vm1.SendProbe(vm2.IPv4!.Value, 0);
        await LabFixture.WaitAsync(() => vm2.Probes.Unique == 1, "the first probe (neighbor and location resolved)");
        for (int i = 1; i < 200; i++)
        {
            vm1.SendProbe(vm2.IPv4!.Value, i);
        }

        await LabFixture.WaitAsync(() => vm2.Probes.Unique == 200, "200 probes");
        Assert.Equal(0, vm2.Probes.Duplicates);
        Assert.Equal(0, vm2.Probes.Reordered);
    }
}
