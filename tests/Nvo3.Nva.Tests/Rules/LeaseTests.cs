using Nvo3.Nva.Records;
using Nvo3.Nva.Tests.Storage;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>NVE leases: renewals touch only the lease entry; a lease that runs out marks the NVE down; the NVE comes back by renewing or registering.</summary>
public sealed class LeaseTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task KeepAlive_RenewsOnlyTheLease_NoChangeForWatchers()
    {
        await using var f = await DirectoryFixture.CreateAsync(lease: Lease);
        long from = await f.Store.GetRevisionAsync() + 1;
        await using var nves = new WatchRecorder(f.Store, Keys.Nves, from);
        await using var leases = new WatchRecorder(f.Store, Keys.Leases, from);
        f.Time.Advance(TimeSpan.FromSeconds(2));

        var renewed = await f.Authority.RenewAsync("a", TimeSpan.Zero);

        Assert.Equal(f.Time.GetUtcNow() + Lease, renewed.Expires); // as long as it registered for
        Assert.Null(renewed.WasDown);
        Assert.Equal("lease/a", Assert.Single(await leases.NextAsync()).Key);
        Assert.False(nves.TryNext(out _));
        Assert.Equal(renewed.Expires, (await f.Authority.GetNveAsync("a"))!.LeaseExpires);
    }

    [Fact]
    public async Task Sweep_LeaseRanOut_MarksTheNveDownAndRefusesMigrationsToIt()
    {
        await using var f = await DirectoryFixture.CreateAsync(lease: Lease, housekeeping: true);
        await f.Authority.RenewAsync("a", TimeSpan.Zero);
        await f.Authority.RenewAsync("b", TimeSpan.Zero);
        f.Time.Advance(Lease - TimeSpan.FromMilliseconds(1));
        await f.Authority.RenewAsync("a", TimeSpan.Zero); // a keeps renewing, b and c do not
        f.Time.Advance(TimeSpan.FromMilliseconds(1));

        await f.SweepAsync();

        var nves = (await f.Authority.ListNvesAsync()).ToDictionary(n => n.Name);
        Assert.Null(nves["a"].Down);
        Assert.Equal(f.Time.GetUtcNow(), nves["b"].Down);
        Assert.False(nves["b"].IsAlive(f.Time.GetUtcNow()));
        var ex = await Assert.ThrowsAsync<NvaException>(() => f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot)));
        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
    }

    [Fact]
    public async Task Sweep_LeasesRanOutWhileTheStoreWasAway_WaitsAWholeLeaseOfHealthyStore()
    {
        await using var f = await DirectoryFixture.CreateAsync(lease: Lease, housekeeping: true);
        f.Time.Advance(TimeSpan.FromSeconds(2));
        f.Authority.Health.Failed(); // etcd elects a new leader, say: nobody renews for a while
        f.Time.Advance(TimeSpan.FromSeconds(2));
        f.Authority.Health.Succeeded();

        await f.SweepAsync(); // every lease ran out during the outage: none is taken for dead yet
        Assert.All(await f.Authority.ListNvesAsync(), n => Assert.Null(n.Down));
        f.Time.Advance(TimeSpan.FromSeconds(1));
        await f.Authority.RenewAsync("a", TimeSpan.Zero); // a renews once the store is back; b and c do not
        f.Time.Advance(TimeSpan.FromSeconds(2));
        await f.SweepAsync();

        var nves = (await f.Authority.ListNvesAsync()).ToDictionary(n => n.Name);
        Assert.Null(nves["a"].Down);
        Assert.NotNull(nves["b"].Down);
        Assert.NotNull(nves["c"].Down);
    }

    [Fact]
    public async Task Renew_AfterBeingMarkedDown_RevivesTheNveAndSaysSinceWhen()
    {
        await using var f = await DirectoryFixture.CreateAsync(lease: Lease, housekeeping: true);
        f.Time.Advance(Lease);
        await f.SweepAsync();
        var down = (await f.Authority.GetNveAsync("b"))!.Down;
        Assert.NotNull(down);
        f.Time.Advance(TimeSpan.FromSeconds(10));

        var renewed = await f.Authority.RenewAsync("b", TimeSpan.Zero);
        var registered = await f.Authority.RegisterAsync("c", [UnderlayEndpoint.Parse("192.0.2.3")], null, Lease, null);

        Assert.Equal(down, renewed.WasDown);
        Assert.Equal(down, registered.WasDown); // renewed, not refused: same name, same underlay
        var nves = (await f.Authority.ListNvesAsync()).ToDictionary(n => n.Name);
        Assert.True(nves["b"].IsAlive(f.Time.GetUtcNow()));
        Assert.True(nves["c"].IsAlive(f.Time.GetUtcNow()));
        Assert.Null((await f.Authority.RenewAsync("b", TimeSpan.Zero)).WasDown);
    }
}
