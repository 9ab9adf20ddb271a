using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>Attach, associate, deactivate, disassociate and detach: what the directory accepts for a binding, and what each leaves behind.</summary>
public class BindingRulesTests
{
    private static readonly MacAddress Mac2 = MacAddress.Parse("02:00:00:00:00:02");

    private static Task<Binding> AttachAsync(DirectoryFixture f, MacAddress mac, string nve, string? name, params string[] ips) =>
        f.Authority.AttachAsync(new AttachRequest(DirectoryFixture.Vni, mac, ips.Select(IpAddr.Parse).ToList(), nve, name));

    private static async Task<NvaError> RefusedAsync(Func<Task> action) => (await Assert.ThrowsAsync<NvaException>(action)).Error;

    [Fact]
    public async Task Attach_NewBinding_IsActivatedAtSequenceOneAndIndexedByAddressAndName()
    {
        var f = await DirectoryFixture.CreateAsync();

        var binding = (await f.BindingAsync())!;

        Assert.Equal(("a", 1L, PlacementState.Activated), (binding.ActiveNve, binding.Sequence, binding.Placements.Single().State));
        Assert.Equal(MoveTrigger.Api, binding.LastTrigger);
        Assert.Equal(DirectoryFixture.Mac, (await f.Authority.FindByNameAsync("vm1"))!.Mac);
        Assert.Null(await f.Authority.FindByNameAsync("vm9"));
        Assert.Equal(DirectoryFixture.Mac, (await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, DirectoryFixture.Ip6)).Binding!.Mac);
    }

    [Theory]
    [InlineData("10.0.0.6", "10.0.0.6")]        // listed twice
    [InlineData("10.1.0.6")]                    // outside the subnets
    [InlineData("10.0.0.1")]                    // the network's anycast gateway
    public async Task Attach_BadAddresses_AreRefusedAsInvalid(params string[] ips)
    {
        var f = await DirectoryFixture.CreateAsync(attach: false);
        await f.Authority.CreateVirtualNetworkAsync(new VirtualNetwork(300, "", NetworkMode.L3,
            [IpPrefix.Parse("10.0.0.0/24")], [new Gateway(IpAddr.Parse("10.0.0.1"), MacAddress.Parse("02:00:00:00:00:fe"))], TimeSpan.FromSeconds(1)));

        var refused = await Assert.ThrowsAsync<NvaException>(() => f.Authority.AttachAsync(new AttachRequest(300, Mac2, ips.Select(IpAddr.Parse).ToList(), "a", "vm2")));

        Assert.Equal(NvaError.InvalidArgument, refused.Error);
        Assert.Empty((await f.Authority.ListBindingsAsync()).Bindings);
    }

    [Fact]
    public async Task Attach_NoAddressOrAMulticastMac_IsRefusedAsInvalid()
    {
        var f = await DirectoryFixture.CreateAsync(attach: false);

        Assert.Equal(NvaError.InvalidArgument, await RefusedAsync(() => AttachAsync(f, Mac2, "a", "vm2")));
        Assert.Equal(NvaError.InvalidArgument, await RefusedAsync(() => AttachAsync(f, MacAddress.Parse("03:00:00:00:00:02"), "a", "vm2", "10.0.0.7")));
        Assert.Equal(NvaError.InvalidArgument, await RefusedAsync(() => AttachAsync(f, Mac2, "a", "bad name", "10.0.0.7")));
    }

    [Fact]
    public async Task Attach_TakenMacAddressOrName_IsRefusedAsAlreadyExisting()
    {
        var f = await DirectoryFixture.CreateAsync();

        Assert.Equal(NvaError.AlreadyExists, await RefusedAsync(() => AttachAsync(f, DirectoryFixture.Mac, "b", "vm2", "10.0.0.7")));
        Assert.Equal(NvaError.AlreadyExists, await RefusedAsync(() => AttachAsync(f, Mac2, "b", "vm2", "10.0.0.7", "10.0.0.5")));
        Assert.Equal(NvaError.AlreadyExists, await RefusedAsync(() => AttachAsync(f, Mac2, "b", "vm1", "10.0.0.7")));
        Assert.Equal(NvaError.NotFound, await RefusedAsync(() => AttachAsync(f, Mac2, "zz", "vm2", "10.0.0.7")));
        Assert.Single((await f.Authority.ListBindingsAsync()).Bindings);
    }

    [Fact]
    public async Task Attach_IlaIdentifierThatCannotRoundTrip_IsRefused()
    {
        var f = await DirectoryFixture.CreateAsync(attach: false);
        await f.Authority.CreateVirtualNetworkAsync(new VirtualNetwork(200, "", NetworkMode.L3,
            [IpPrefix.Parse("fd00:200::/64")], [], TimeSpan.FromSeconds(1), IlaSirPrefix: 0xFD00_0200_0000_0000UL));

        var zeroWord = await Assert.ThrowsAsync<NvaException>(() => f.Authority.AttachAsync(new AttachRequest(200, Mac2, [IpAddr.Parse("fd00:200::1:0")], "a")));
        var accepted = await f.Authority.AttachAsync(new AttachRequest(200, Mac2, [IpAddr.Parse("fd00:200::1:1")], "a"));

        Assert.Equal(NvaError.InvalidArgument, zeroWord.Error);
        Assert.Contains("cannot be an ILA identifier", zeroWord.Message, StringComparison.Ordinal);
        Assert.Equal("a", accepted.ActiveNve);
    }

    [Fact]
    public async Task Associate_NewBinding_IsAssociatedAtSequenceZero_AndAtAnotherNveAddsAPlacement()
    {
        var f = await DirectoryFixture.CreateAsync(attach: false);

        var created = await f.Authority.AssociateAsync(new AttachRequest(DirectoryFixture.Vni, Mac2, [IpAddr.Parse("10.0.0.7")], "a", "vm2"));
        var again = await f.Authority.AssociateAsync(new AttachRequest(DirectoryFixture.Vni, Mac2, [], "b"));
        var same = await f.Authority.AssociateAsync(new AttachRequest(DirectoryFixture.Vni, Mac2, [], "b"));

        Assert.Equal((0L, (string?)null), (created.Sequence, created.ActiveNve));
        Assert.Equal([("a", PlacementState.Associated), ("b", PlacementState.Associated)], again.Placements.Select(p => (p.Nve, p.State)));
        Assert.Equal(again.Placements.Count, same.Placements.Count);
        var other = await Assert.ThrowsAsync<NvaException>(() => f.Authority.AssociateAsync(new AttachRequest(DirectoryFixture.Vni, Mac2, [IpAddr.Parse("10.0.0.8")], "c")));
        Assert.Equal(NvaError.FailedPrecondition, other.Error);
        Assert.Null((await f.Authority.GetBindingAsync(DirectoryFixture.Vni, Mac2))!.At("c"));
    }

    [Fact]
    public async Task Deactivate_TakesItOutOfForwarding_OnlyWhereItIsPlaced()
    {
        var f = await DirectoryFixture.CreateAsync();

        var deactivated = await f.Authority.DeactivateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "a");
        var twice = await f.Authority.DeactivateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "a");

        Assert.Equal(PlacementState.Associated, deactivated.At("a")!.State);
        Assert.Null(deactivated.ActiveNve);
        Assert.Equal(deactivated.Updated, twice.Updated); // nothing written the second time
        var elsewhere = await Assert.ThrowsAsync<NvaException>(() => f.Authority.DeactivateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "b"));
        Assert.Equal(NvaError.FailedPrecondition, elsewhere.Error);
        Assert.Contains("(it is at a (Associated))", elsewhere.Message, StringComparison.Ordinal); // says where it is
    }

    [Fact]
    public async Task Disassociate_RemovesOnlyThatPlacement_AndKeepsTheIdentity()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.Authority.AssociateAsync(new AttachRequest(DirectoryFixture.Vni, DirectoryFixture.Mac, [], "b"));

        var after = await f.Authority.DisassociateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "b");
        var absent = await f.Authority.DisassociateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "c");

        Assert.Equal(["a"], after.Placements.Select(p => p.Nve));
        Assert.Equal(after.Updated, absent.Updated);
        Assert.Equal("a", (await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, DirectoryFixture.Ip4)).Host!.Name);
    }

    [Fact]
    public async Task Detach_DuringAMigration_RemovesIndexesAndRedirectsAndAbortsTheMigration()
    {
        var f = await DirectoryFixture.CreateAsync();
        var migration = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));

        await f.Authority.DetachAsync(DirectoryFixture.Vni, DirectoryFixture.Mac);

        Assert.Null(await f.BindingAsync());
        Assert.Empty(await f.Authority.ListRedirectsAsync());
        var ended = (await f.Authority.GetMigrationAsync(migration.Id))!;
        Assert.Equal((MigrationPhase.Aborted, "the binding was detached"), (ended.Phase, ended.Result));
        Assert.False((await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, DirectoryFixture.Ip4)).Found);
        // The addresses and the name are free again.
        var reused = await AttachAsync(f, Mac2, "c", "vm1", "10.0.0.5", "fd00:100::5");
        Assert.Equal("c", reused.ActiveNve);
        Assert.Equal(NvaError.NotFound, await RefusedAsync(() => f.Authority.DetachAsync(DirectoryFixture.Vni, DirectoryFixture.Mac)));
    }

    [Fact]
    public async Task ListBindings_AtOneNve_GivesThoseWithAPlacementThere()
    {
        var f = await DirectoryFixture.CreateAsync();
        await AttachAsync(f, Mac2, "b", "vm2", "10.0.0.7");

        var atA = (await f.Authority.ListBindingsAsync(nve: "a")).Bindings;
        var atC = (await f.Authority.ListBindingsAsync(nve: "c")).Bindings;

        Assert.Equal(["vm1"], atA.Select(b => b.Name));
        Assert.Empty(atC);
        Assert.Equal(2, (await f.Authority.ListBindingsAsync(DirectoryFixture.Vni)).Bindings.Count);
    }
}
