using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>Edges of the mobility and migration rules: a freeze that lapses, an abort repeated, a request that lists too much.</summary>
public class RuleEdgeTests
{
    [Fact]
    public async Task Activate_AfterAFreezeLapsedAndTheWindowEmptied_LeavesNoFreezeBehind()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings
        {
            DuplicateMoves = 2, DuplicateWindow = TimeSpan.FromSeconds(5), DuplicatePolicy = DuplicatePolicy.Freeze, FreezeTime = TimeSpan.FromSeconds(10),
        });
        await f.ClaimAsync("b", 2);
        var frozen = await f.ClaimAsync("c", 3);
        Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromSeconds(10), frozen.FrozenUntil);

        f.Time.Advance(TimeSpan.FromSeconds(11)); // the freeze lapsed and both moves left the window
        var moved = await f.ClaimAsync("a", 4);

        Assert.Equal("a", moved.ActiveNve);
        Assert.Null(moved.FrozenUntil);
        Assert.Single(moved.UnplannedMoves);
    }

    [Fact]
    public async Task Activate_AtTheInstantTheFreezeEnds_IsAccepted()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 2, DuplicatePolicy = DuplicatePolicy.Freeze, FreezeTime = TimeSpan.FromSeconds(30) });
        await f.ClaimAsync("b", 2);
        await f.ClaimAsync("c", 3);

        f.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("b", 4));
        f.Time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal("b", (await f.ClaimAsync("b", 4)).ActiveNve);
    }

    [Fact]
    public async Task ExpireRedirects_AtTheInstantOfItsExpiry_RemovesIt_NotBefore()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { RedirectGrace = TimeSpan.FromMilliseconds(250) });
        await f.ClaimAsync("b", 2);

        f.Time.Advance(TimeSpan.FromMilliseconds(750) - TimeSpan.FromTicks(1)); // cache lifetime 500 ms + grace
        Assert.Equal(0, await f.Authority.ExpireRedirectsAsync());
        f.Time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(1, await f.Authority.ExpireRedirectsAsync());
        Assert.Empty(await f.Authority.ListRedirectsAsync());
    }

    [Fact]
    public async Task PauseMigration_Again_OrAfterTheSwitchover_ChangesNothing_AfterAnAbortIsRefused()
    {
        var f = await DirectoryFixture.CreateAsync();
        var m = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));
        var paused = await f.Authority.PauseMigrationAsync(m.Id);

        var again = await f.Authority.PauseMigrationAsync(m.Id);
        await f.ClaimAsync("b");
        var afterSwitchover = await f.Authority.PauseMigrationAsync(m.Id);
        var other = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "c", MigrationMode.Hot)).ContinueWith(t => t.IsFaulted);

        Assert.Equal((MigrationPhase.Paused, paused.Paused), (again.Phase, again.Paused));
        Assert.Equal(MigrationPhase.Activated, afterSwitchover.Phase);
        Assert.True(other, "a second migration while one is open is refused");
        await f.Authority.CommitMigrationAsync(m.Id);
        var m2 = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "c", MigrationMode.Hot));
        await f.Authority.AbortMigrationAsync(m2.Id, "no");
        Assert.Equal(NvaError.FailedPrecondition, (await Assert.ThrowsAsync<NvaException>(() => f.Authority.PauseMigrationAsync(m2.Id))).Error);
    }

    [Fact]
    public async Task AbortMigration_Twice_TheSecondChangesNothing_AndAnUnknownOneIsNotFound()
    {
        var f = await DirectoryFixture.CreateAsync();
        var migration = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));
        var first = await f.Authority.AbortMigrationAsync(migration.Id, "");

        var second = await f.Authority.AbortMigrationAsync(migration.Id, "again");

        Assert.Equal((MigrationPhase.Aborted, "aborted"), (first.Phase, first.Result)); // no reason given: "aborted"
        Assert.Equal((MigrationPhase.Aborted, "aborted", first.Ended), (second.Phase, second.Result, second.Ended));
        Assert.Equal(NvaError.NotFound, (await Assert.ThrowsAsync<NvaException>(() => f.Authority.AbortMigrationAsync("m-none", "x"))).Error);
        Assert.Equal([migration.Id], (await f.Authority.ListMigrationsAsync()).Select(m => m.Id));
        Assert.Equal(NvaError.InvalidArgument, (await Assert.ThrowsAsync<NvaException>(() => f.Authority.AbortMigrationAsync(" ", "x"))).Error);
    }

    [Fact]
    public async Task CommitMigration_Twice_TheSecondChangesNothing_BeforeTheSwitchoverIsRefused()
    {
        var f = await DirectoryFixture.CreateAsync();
        var migration = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));
        Assert.Equal(NvaError.FailedPrecondition, (await Assert.ThrowsAsync<NvaException>(() => f.Authority.CommitMigrationAsync(migration.Id))).Error);
        await f.ClaimAsync("b");

        var first = await f.Authority.CommitMigrationAsync(migration.Id);
        var second = await f.Authority.CommitMigrationAsync(migration.Id);

        Assert.Equal((MigrationPhase.Completed, first.Ended), (second.Phase, second.Ended));
        Assert.Equal(["b"], (await f.BindingAsync())!.Placements.Select(p => p.Nve));
    }

    [Fact]
    public async Task Attach_MoreAddressesThanARequestMayList_IsRefused()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { MaxListLength = 2 }, attach: false);
        var ips = new[] { "10.0.0.7", "10.0.0.8", "10.0.0.9" }.Select(IpAddr.Parse).ToList();

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.Authority.AttachAsync(new AttachRequest(DirectoryFixture.Vni, DirectoryFixture.Mac, ips, "a", "vm1")));

        Assert.Equal(NvaError.InvalidArgument, ex.Error);
        Assert.Contains("Too many addresses", ex.Message, StringComparison.Ordinal);
        Assert.Equal("a", (await f.Authority.AttachAsync(new AttachRequest(DirectoryFixture.Vni, DirectoryFixture.Mac, ips[..2], "a", "vm1"))).ActiveNve);
    }

    [Fact]
    public async Task Activate_StaleClaimWhileActiveNowhere_NamesNoNve()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.ClaimAsync("b", 2);
        await f.ClaimAsync("a", 3);
        await f.Authority.DeactivateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "a");

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("c", 2));

        Assert.Contains("the binding is at 3 (no NVE)", ex.Message, StringComparison.Ordinal);
    }
}
