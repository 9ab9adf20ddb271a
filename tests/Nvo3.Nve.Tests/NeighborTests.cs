using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>What a tenant says about addresses is checked against its own binding; what it asks is answered from the directory.</summary>
public class NeighborTests
{
    private static async Task<(EdgeHarness H, Edge A, TestVm Vm1, TestVm Vm2)> TwoVmsAsync(NetworkMode mode = NetworkMode.L2)
    {
        var h = await EdgeHarness.StartAsync(mode);
        var a = await h.AddEdgeAsync("a", 1);
        var vm1 = await h.AddVmAsync(11, a);
        var vm2 = await h.AddVmAsync(12, a);
        return (h, a, vm1, vm2);
    }

    [Fact]
    public async Task SolicitedNa_ForAnotherVmsAddress_IsDroppedAsAForeignClaim_AndReachesNobody()
    {
        var (h, a, vm1, vm2) = await TwoVmsAsync();
        await using var _ = h;

        // vm1 "answers" for vm2's address with its own MAC: a neighbour cache poisoned if forwarded.
        vm1.Send(NdFrames.Advertisement(vm1, vm2.IPv6, vm1.Mac, NeighborAdvertisementFlags.Solicited | NeighborAdvertisementFlags.Override, vm2.IPv6, vm2.Mac));

        await EdgeHarness.WaitAsync(() => a.Counters.Dropped(DropReason.ForeignClaim) == 1, "the claim to be refused");
        Assert.Empty(vm2.Received);
    }

    [Fact]
    public async Task Na_GivingAnotherMac_IsDroppedAsAForeignClaim()
    {
        var (h, a, vm1, vm2) = await TwoVmsAsync();
        await using var _ = h;

        vm1.Send(NdFrames.Advertisement(vm1, vm1.IPv6, vm2.Mac, NeighborAdvertisementFlags.Solicited | NeighborAdvertisementFlags.Override, vm2.IPv6, vm2.Mac));

        await EdgeHarness.WaitAsync(() => a.Counters.Dropped(DropReason.ForeignClaim) == 1, "the claim to be refused");
        Assert.Empty(vm2.Received);
    }

    [Fact]
    public async Task SolicitedNa_ForItsOwnAddress_IsDelivered()
    {
        var (h, a, vm1, vm2) = await TwoVmsAsync();
        await using var _ = h;

        vm1.Send(NdFrames.Advertisement(vm1, vm1.IPv6, vm1.Mac, NeighborAdvertisementFlags.Solicited | NeighborAdvertisementFlags.Override, vm2.IPv6, vm2.Mac));

        await EdgeHarness.WaitAsync(() => vm2.Received.Count == 1, "the answer to reach vm2");
        Assert.Equal(0, a.Counters.DroppedTotal);
    }

    [Fact]
    public async Task UnsolicitedNaWithoutOverride_DoesNotActivateAnArrivingPort()
    {
        await using var h = await EdgeHarness.StartAsync();
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var vm = await h.AddVmAsync(1, a);
        var (_, port) = await h.BeginAsync(vm, a, b);
        b.ResumePort(EdgeHarness.Vni, vm.Mac);

        // RFC 4861 7.2.6: O=0 does not ask anyone to override a cache: it announces no move.
        vm.Send(NdFrames.Advertisement(vm, vm.IPv6, vm.Mac, NeighborAdvertisementFlags.None, IpAddr.V6AllNodes, MacAddress.ForIPv6Multicast(IpAddr.V6AllNodes)));
        await EdgeHarness.WaitAsync(() => b.Counters.FromTenants == 1, "b to read the NA");
        Assert.Equal(PortState.Pending, port.State);
        Assert.Equal(0, b.Counters.Announcements);

        vm.Send(NdFrames.Advertisement(vm, vm.IPv6, vm.Mac, NeighborAdvertisementFlags.Override, IpAddr.V6AllNodes, MacAddress.ForIPv6Multicast(IpAddr.V6AllNodes)));
        await EdgeHarness.WaitAsync(() => port.State == PortState.Active, "the NA with O=1 to activate it");
        Assert.Equal(MoveTrigger.Na, port.ActivatedBy);
    }

    [Fact]
    public async Task Solicitation_WithABadChecksum_IsDroppedAsMalformed_AndNotAnswered()
    {
        var (h, a, vm1, vm2) = await TwoVmsAsync();
        await using var _ = h;

        vm1.Send(NdFrames.BreakChecksum(NdFrames.Solicitation(vm1, vm2.IPv6)));
        await EdgeHarness.WaitAsync(() => a.Counters.Dropped(DropReason.Malformed) == 1, "the NS to be dropped");
        vm1.Send(NdFrames.Solicitation(vm1, vm2.IPv6));
        await EdgeHarness.WaitAsync(() => vm1.Received.Count == 1, "the good NS to be answered");

        Assert.Equal(1, a.Counters.NdReplies);
        Assert.Equal(vm2.Mac, NdFrames.AnsweredMac(vm1.Received.Single()));
    }

    [Theory]
    [InlineData(NetworkMode.L2)]
    [InlineData(NetworkMode.L3)]
    public async Task Solicitation_ForAnotherVm_IsAnsweredWithTheOwner_OrInLayer3TheGateway(NetworkMode mode)
    {
        var (h, _, vm1, vm2) = await TwoVmsAsync(mode);
        await using var __ = h;

        vm1.Send(NdFrames.Solicitation(vm1, vm2.IPv6));
        vm1.Send(NdFrames.ArpRequest(vm1, vm2.IPv4));

        await EdgeHarness.WaitAsync(() => vm1.Received.Count == 2, "both answers");
        var expected = mode == NetworkMode.L3 ? VirtualNetwork.AnycastGatewayMac(EdgeHarness.Vni) : vm2.Mac;
        Assert.All(vm1.Received, frame => Assert.Equal(expected, NdFrames.AnsweredMac(frame)));
        Assert.Empty(vm2.Received); // answered here, never flooded
    }

    [Fact]
    public async Task ArpProbe_ForItsOwnAddress_IsNotAnswered_ForAnotherVms_IsAnsweredWithTheOwner()
    {
        var (h, a, vm1, vm2) = await TwoVmsAsync();
        await using var _ = h;

        // RFC 5227: silence tells a prober its address is free; an answer says it is taken.
        vm1.Send(NdFrames.ArpRequest(vm1, vm1.IPv4, probe: true));
        vm1.Send(NdFrames.ArpRequest(vm1, vm2.IPv4, probe: true));

        await EdgeHarness.WaitAsync(() => a.Counters.ArpReplies == 1 && a.Counters.FromTenants == 2 && vm1.Received.Count == 1, "one answer");
        Assert.Equal(vm2.Mac, NdFrames.AnsweredMac(Assert.Single(vm1.Received)));
        Assert.Empty(vm2.Received);
    }

    [Fact]
    public async Task Dad_ForAnotherVmsAddress_IsDefended_ForItsOwnOrAFreeOne_IsNot()
    {
        var (h, a, vm1, vm2) = await TwoVmsAsync();
        await using var _ = h;

        vm1.Send(NdFrames.Solicitation(vm1, vm1.IPv6, dad: true));
        vm1.Send(NdFrames.Solicitation(vm1, IpAddr.Parse("fd00:100::99"), dad: true));
        vm1.Send(NdFrames.Solicitation(vm1, vm2.IPv6, dad: true));

        await EdgeHarness.WaitAsync(() => a.Counters.FromTenants == 3 && a.Counters.NdReplies == 1 && vm1.Received.Count == 1, "one defence");
        Assert.Equal(vm2.Mac, NdFrames.AnsweredMac(Assert.Single(vm1.Received)));
        Assert.Equal(0, a.Counters.DroppedTotal);
    }

    [Fact]
    public async Task MulticastListenerReport_IsDropped_AndReachesNobody()
    {
        var (h, a, vm1, vm2) = await TwoVmsAsync();
        await using var _ = h;

        vm1.Send(NdFrames.MldReport(vm1));

        await EdgeHarness.WaitAsync(() => a.Counters.Dropped(DropReason.Unsupported) == 1, "the report to be dropped");
        Assert.Empty(vm2.Received);
    }
}
