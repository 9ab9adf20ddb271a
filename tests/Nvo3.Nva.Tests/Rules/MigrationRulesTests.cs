using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

public class MigrationRulesTests
{
    private static Task<Migration> BeginAsync(DirectoryFixture f, string destination, MigrationMode mode = MigrationMode.Hot) =>
        f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, destination, mode));

    [Fact]
    public async Task Begin_PreAssociatesTheDestinationAndPreparesAnInactiveRedirect()
    {
        var f = await DirectoryFixture.CreateAsync();

        var m = await BeginAsync(f, "b");

        var binding = (await f.BindingAsync())!;
        Assert.Equal(MigrationPhase.Prepared, m.Phase);
        Assert.Equal(("a", "b"), (m.Source, m.Destination));
        Assert.Equal(PlacementState.Activated, binding.At("a")!.State);
        Assert.Equal(PlacementState.Associated, binding.At("b")!.State);
        Assert.Equal(m.Id, binding.MigrationId);
        var redirect = Assert.Single(await f.Authority.ListRedirectsAsync());
        Assert.Equal(("a", "b", false, (DateTimeOffset?)null), (redirect.OldNve, redirect.NewNve, redirect.Active, redirect.Expires));
    }

    [Fact]
    public async Task Pause_ActivatesTheRedirectButKeepsTheSourceActivated()
    {
        var f = await DirectoryFixture.CreateAsync();
        var m = await BeginAsync(f, "b");

        var paused = await f.Authority.PauseMigrationAsync(m.Id);

        Assert.Equal(MigrationPhase.Paused, paused.Phase);
        Assert.True(Assert.Single(await f.Authority.ListRedirectsAsync()).Active);
        var lookup = await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, DirectoryFixture.Ip4);
        Assert.Equal("a", lookup.Host!.Name); // never nowhere during the switchover
    }

    [Fact]
    public async Task ActivateAtDestination_SwitchesOverAndTimesTheRedirect()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { RedirectGrace = TimeSpan.FromMilliseconds(250) });
        var m = await BeginAsync(f, "b");
        await f.Authority.PauseMigrationAsync(m.Id);
        var now = f.Time.GetUtcNow();

        var binding = await f.ClaimAsync("b", 0, MoveTrigger.Garp, DirectoryFixture.Ip4);

        Assert.Equal("b", binding.ActiveNve);
        Assert.Equal(PlacementState.Associated, binding.At("a")!.State);
        Assert.Equal(2, binding.Sequence);
        Assert.Equal(MigrationPhase.Activated, (await f.Authority.GetMigrationAsync(m.Id))!.Phase);
        var redirect = Assert.Single(await f.Authority.ListRedirectsAsync());
        Assert.Equal(now + TimeSpan.FromMilliseconds(500 + 250), redirect.Expires); // cache lifetime + grace
        Assert.Equal("b", (await f.Authority.LookupByMacAsync(DirectoryFixture.Vni, DirectoryFixture.Mac)).Host!.Name);
    }

    [Fact]
    public async Task ActivateAtDestination_RewritesTheSourcesRedirectInPlace_NeverDeletesIt()
    {
        // Between a delete and a put the source NVE, following the watch, would have no redirect
        // while packets in flight still reach it.
        var f = await DirectoryFixture.CreateAsync();
        var m = await BeginAsync(f, "b");
        await f.Authority.PauseMigrationAsync(m.Id);
        long from = await f.Store.GetRevisionAsync() + 1;

        await f.ClaimAsync("b", 0, MoveTrigger.Garp, DirectoryFixture.Ip4);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var events = new List<Nvo3.Nva.Storage.StoreEvent>();
        long until = await f.Store.GetRevisionAsync();
        await foreach (var batch in f.Store.WatchAsync("redirect/", from, cts.Token))
        {
            events.AddRange(batch);
            if (events.Count > 0 && events[^1].Revision >= until)
            {
                break;
            }
        }
        var redirect = Assert.Single(events);
        Assert.Equal(Nvo3.Nva.Storage.StoreEventKind.Put, redirect.Kind);
        Assert.True(Records.RecordJson.Decode<Redirect>(redirect.Value!).Expires is not null);
    }

    [Fact]
    public async Task Commit_DisassociatesTheSourceAndTheSweeperExpiresTheRedirect()
    {
        var f = await DirectoryFixture.CreateAsync();
        var m = await BeginAsync(f, "b");
        await f.Authority.PauseMigrationAsync(m.Id);
        await f.ClaimAsync("b");

        var done = await f.Authority.CommitMigrationAsync(m.Id);

        Assert.Equal(MigrationPhase.Completed, done.Phase);
        var binding = (await f.BindingAsync())!;
        Assert.Null(binding.At("a"));
        Assert.Null(binding.MigrationId);
        Assert.Equal(0, await f.Authority.ExpireRedirectsAsync());
        f.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await f.Authority.ExpireRedirectsAsync());
        Assert.Empty(await f.Authority.ListRedirectsAsync());
    }

    [Fact]
    public async Task Abort_BeforeSwitchover_LeavesTheDirectoryAsBefore()
    {
        var f = await DirectoryFixture.CreateAsync();
        var before = (await f.BindingAsync())!;
        var m = await BeginAsync(f, "b");
        await f.Authority.PauseMigrationAsync(m.Id);

        var aborted = await f.Authority.AbortMigrationAsync(m.Id, "destination agent lost");

        Assert.Equal(MigrationPhase.Aborted, aborted.Phase);
        Assert.Equal("destination agent lost", aborted.Result);
        var after = (await f.BindingAsync())!;
        Assert.Equal(before.Placements.Select(p => (p.Nve, p.State)), after.Placements.Select(p => (p.Nve, p.State)));
        Assert.Equal(before.Sequence, after.Sequence);
        Assert.Null(after.MigrationId);
        Assert.Empty(await f.Authority.ListRedirectsAsync());
    }

    [Fact]
    public async Task Abort_AfterSwitchover_IsRefused()
    {
        var f = await DirectoryFixture.CreateAsync();
        var m = await BeginAsync(f, "b");
        await f.ClaimAsync("b");

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.Authority.AbortMigrationAsync(m.Id, "too late"));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Equal("b", (await f.BindingAsync())!.ActiveNve);
    }

    [Fact]
    public async Task Begin_WhileAnotherIsOpen_IsRefused()
    {
        var f = await DirectoryFixture.CreateAsync();
        await BeginAsync(f, "b");

        var ex = await Assert.ThrowsAsync<NvaException>(() => BeginAsync(f, "c"));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("already migrating", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Begin_ToTheCurrentNveOrAnUnknownOne_IsRefused()
    {
        var f = await DirectoryFixture.CreateAsync();
        Assert.Equal(NvaError.InvalidArgument, (await Assert.ThrowsAsync<NvaException>(() => BeginAsync(f, "a"))).Error);
        Assert.Equal(NvaError.NotFound, (await Assert.ThrowsAsync<NvaException>(() => BeginAsync(f, "zz"))).Error);
        Assert.Equal(NvaError.NotFound, (await Assert.ThrowsAsync<NvaException>(() =>
            f.Authority.BeginMigrationAsync(new BeginMigrationRequest("nobody", 0, default, "b", MigrationMode.Hot)))).Error);
    }

    [Fact]
    public async Task QuickMovesAtoBtoC_EveryRedirectPointsAtTheNewestNve()
    {
        var f = await DirectoryFixture.CreateAsync();
        foreach (var destination in new[] { "b", "c" })
        {
            var m = await BeginAsync(f, destination);
            await f.Authority.PauseMigrationAsync(m.Id);
            await f.ClaimAsync(destination);
            await f.Authority.CommitMigrationAsync(m.Id);
        }

        var redirects = (await f.Authority.ListRedirectsAsync()).OrderBy(r => r.OldNve).ToList();

        Assert.Equal(["a", "b"], redirects.Select(r => r.OldNve));
        Assert.All(redirects, r => Assert.Equal("c", r.NewNve));
    }

    [Fact]
    public async Task MovingBack_RemovesTheRedirectAtTheNveItReturnsTo()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.ClaimAsync("b", 2);
        Assert.Equal("a", Assert.Single(await f.Authority.ListRedirectsAsync()).OldNve);

        await f.ClaimAsync("a", 3);

        var redirect = Assert.Single(await f.Authority.ListRedirectsAsync());
        Assert.Equal(("b", "a"), (redirect.OldNve, redirect.NewNve));
    }

    [Fact]
    public async Task Standby_FailoverActivatesTheSecondaryAsPlanned()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 1, DuplicatePolicy = DuplicatePolicy.Freeze });
        var m = await BeginAsync(f, "c", MigrationMode.HotStandby);

        var binding = await f.ClaimAsync("c", 0, MoveTrigger.Failover);

        Assert.Equal("c", binding.ActiveNve);
        Assert.False(binding.Duplicate);
        Assert.Equal(MigrationPhase.Activated, (await f.Authority.GetMigrationAsync(m.Id))!.Phase);
    }

    [Fact]
    public async Task Lookup_ByIpAndMac_GivesTheHostAndTheNetworksLifetime()
    {
        var f = await DirectoryFixture.CreateAsync();

        var byIp = await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, DirectoryFixture.Ip6);
        var byMac = await f.Authority.LookupByMacAsync(DirectoryFixture.Vni, DirectoryFixture.Mac);
        var missing = await f.Authority.LookupByIpAsync(DirectoryFixture.Vni, IpAddr.Parse("10.0.0.99"));

        Assert.Equal("a", byIp.Host!.Name);
        Assert.Equal(TimeSpan.FromMilliseconds(500), byIp.Lifetime);
        Assert.Equal(DirectoryFixture.Mac, byIp.Binding!.Mac);
        Assert.Equal([DirectoryFixture.Ip4, DirectoryFixture.Ip6], byMac.Binding!.Ips);
        Assert.False(missing.Found);
        await Assert.ThrowsAsync<NvaException>(() => f.Authority.LookupByIpAsync(999, DirectoryFixture.Ip4));
    }
}
