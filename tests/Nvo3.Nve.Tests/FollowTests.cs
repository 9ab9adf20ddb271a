using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>
/// An NVE that follows only what it needs (FollowPortNetworks): the networks it has ports in and
/// the NVE records, changed as its ports come and go; in pull mode it holds remote entries only
/// for what it looked up.
/// </summary>
public class FollowTests
{
    private const uint Other = 200;

    [Fact]
    public async Task PortNetworks_TheViewHoldsOnlyThem_AndFollowsPortsComingAndGoing()
    {
        await using var h = await EdgeHarness.StartAsync();
        await h.Authority.CreateVirtualNetworkAsync(new VirtualNetwork(Other, "", NetworkMode.L2, [IpPrefix.Parse("10.2.0.0/24")], [], EdgeHarness.CacheLifetime, null));
        var a = await h.AddEdgeAsync("a", 1);
        var c = await h.AddEdgeAsync("c", 3, o => o with { FollowPortNetworks = true, Mode = UpdateMode.Pull });
        var stranger = new TestVm(50);
        await h.Authority.AttachAsync(new AttachRequest(Other, stranger.Mac, [IpAddr.Parse("10.2.0.50")], "a", "stranger"));
        var vm1 = await h.AddVmAsync(1, a);
        var vm2 = await h.AddVmAsync(2, a);

        // No port yet: the NVE records only.
        Assert.Equal([0u], c.View.FollowedNetworks);
        Assert.True(c.View.Nves.ContainsKey("a"));
        Assert.Empty(c.View.Networks);
        Assert.Empty(c.View.Bindings);

        var vm3 = await h.AddVmAsync(3, c);
        Assert.Equal([EdgeHarness.Vni], c.View.FollowedNetworks);
        await EdgeHarness.WaitAsync(() => c.View.Bindings.ContainsKey((EdgeHarness.Vni, vm1.Mac)), "c to load network 100");
        Assert.Equal([EdgeHarness.Vni], c.View.Networks.Keys);
        Assert.DoesNotContain(c.View.Bindings.Keys, k => k.Vni == Other);

        // A change in the other network never reaches c.
        await h.Authority.AttachAsync(new AttachRequest(Other, new MacAddress(0x0200_0000_0051UL), [IpAddr.Parse("10.2.0.51")], "a", "stranger2"));
        var vm4 = await h.AddVmAsync(4, a);
        await EdgeHarness.WaitAsync(() => c.View.Bindings.ContainsKey((EdgeHarness.Vni, vm4.Mac)), "c to follow network 100");
        Assert.DoesNotContain(c.View.Bindings.Keys, k => k.Vni == Other);

        // Pull mode: a remote entry only for what c looked up (vm1), none for vm2.
        vm3.SendProbe(vm1.Mac, vm1.IPv4, 0);
        await EdgeHarness.WaitAsync(() => vm1.Probes().Count == 1, "c's probe to reach vm1");
        Assert.NotNull(c.GetRemote(EdgeHarness.Vni, vm1.Mac));
        Assert.Null(c.GetRemote(EdgeHarness.Vni, vm2.Mac));
        Assert.Equal(1, c.Counters.Lookups);

        // The last port of the network goes: back to the NVE records only.
        Assert.True(c.DetachPort(EdgeHarness.Vni, vm3.Mac));
        Assert.Equal([0u], c.View.FollowedNetworks);
        await EdgeHarness.WaitAsync(() => c.View.Bindings.IsEmpty && c.View.Networks.IsEmpty, "c to drop network 100");
        Assert.True(c.View.Nves.ContainsKey("a"));
        stranger.Dispose();
    }
}
