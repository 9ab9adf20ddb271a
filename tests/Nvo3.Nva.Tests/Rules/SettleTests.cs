namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// Moves always settle: a migration whose coordinator died is ended by the leader once its phase's
/// deadline passes, from the directory's own record of which NVE activated the binding.
/// </summary>
public sealed class SettleTests
{
    private static readonly NvaSettings Settings = new()
    {
        MigrationPreparedTimeout = TimeSpan.FromSeconds(60),
        MigrationPausedTimeout = TimeSpan.FromSeconds(10),
        MigrationActivatedTimeout = TimeSpan.FromSeconds(40),
    };

    private static async Task<(DirectoryFixture F, Migration M)> BeginAsync(MigrationMode mode = MigrationMode.Hot)
    {
        var f = await DirectoryFixture.CreateAsync(Settings, housekeeping: true);
        var m = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", mode));
        return (f, m);
    }

    [Fact]
    public async Task Sweep_PreparedPastDeadline_SourceStillActive_AbortsAndDisassociatesTheDestination()
    {
        var (f, m) = await BeginAsync();
        await using var _ = f;
        f.Time.Advance(Settings.MigrationPreparedTimeout - TimeSpan.FromSeconds(1));
        await f.SweepAsync();
        Assert.Equal(MigrationPhase.Prepared, (await f.Authority.GetMigrationAsync(m.Id))!.Phase);
        f.Time.Advance(TimeSpan.FromSeconds(1));

        await f.SweepAsync();

        var settled = (await f.Authority.GetMigrationAsync(m.Id))!;
        Assert.Equal((MigrationPhase.Aborted, "leader"), (settled.Phase, settled.SettledBy));
        Assert.Contains("prepared past its deadline", settled.Result, StringComparison.Ordinal);
        Assert.Contains("active at a, not at the destination", settled.Result, StringComparison.Ordinal);
        var binding = (await f.BindingAsync())!;
        Assert.Equal(("a", (Placement?)null, (string?)null), (binding.ActiveNve, binding.At("b"), binding.MigrationId));
        Assert.Empty(await f.Authority.ListRedirectsAsync());
    }

    [Fact]
    public async Task Sweep_PausedPastDeadline_SourceStillActive_Aborts()
    {
        var (f, m) = await BeginAsync();
        await using var _ = f;
        await f.Authority.PauseMigrationAsync(m.Id);
        f.Time.Advance(Settings.MigrationPausedTimeout);

        await f.SweepAsync();

        Assert.Equal(MigrationPhase.Aborted, (await f.Authority.GetMigrationAsync(m.Id))!.Phase);
        Assert.Equal(["a"], (await f.BindingAsync())!.Placements.Select(p => p.Nve));
    }

    [Fact]
    public async Task Sweep_ActivatedPastDeadline_CompletesAndDisassociatesTheSource()
    {
        var (f, m) = await BeginAsync();
        await using var _ = f;
        await f.Authority.PauseMigrationAsync(m.Id);
        await f.ClaimAsync("b"); // the destination activated; then the coordinator died before its commit
        f.Time.Advance(Settings.MigrationActivatedTimeout);

        await f.SweepAsync();

        var settled = (await f.Authority.GetMigrationAsync(m.Id))!;
        Assert.Equal(MigrationPhase.Completed, settled.Phase);
        Assert.Contains("the destination b was activated, so the source a is disassociated", settled.Result, StringComparison.Ordinal);
        var binding = (await f.BindingAsync())!;
        Assert.Equal(["b"], binding.Placements.Select(p => p.Nve));
        Assert.Null(binding.MigrationId);
    }

    [Fact]
    public async Task Settle_ByAnOperator_ActsAtOnceWhateverTheDeadline()
    {
        var (f, m) = await BeginAsync();
        await using var _ = f;

        var settled = await f.Authority.SettleMigrationAsync(m.Id, "alice");

        Assert.Equal((MigrationPhase.Aborted, "alice"), (settled.Phase, settled.SettledBy));
        // Settling again answers the settled migration, unchanged.
        Assert.Equal(settled, await f.Authority.SettleMigrationAsync(m.Id, "bob"));
    }

    [Fact]
    public async Task Sweep_DestinationDown_AbortsBeforeTheDeadline()
    {
        await using var f = await DirectoryFixture.CreateAsync(Settings, housekeeping: true, lease: TimeSpan.FromSeconds(5));
        var m = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));
        await f.Authority.RenewAsync("a", TimeSpan.FromMinutes(5));
        f.Time.Advance(TimeSpan.FromSeconds(5)); // b's lease runs out; the migration is far from its deadline

        await f.SweepAsync();

        var settled = (await f.Authority.GetMigrationAsync(m.Id))!;
        Assert.Equal(MigrationPhase.Aborted, settled.Phase);
        Assert.Contains("its destination b is down", settled.Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_GivesTheRedirectAnExpiry_SoItEndsEvenIfNothingFollows()
    {
        var (f, m) = await BeginAsync();
        await using var _ = f;

        await f.Authority.PauseMigrationAsync(m.Id);

        var redirect = Assert.Single(await f.Authority.ListRedirectsAsync());
        Assert.True(redirect.Active);
        // Paused timeout + the network's cache lifetime (500 ms) + the grace (1 s).
        Assert.Equal(f.Time.GetUtcNow() + Settings.MigrationPausedTimeout + TimeSpan.FromMilliseconds(1500), redirect.Expires);
    }

    [Fact]
    public void DeadlineOf_EachPhase_IsItsStartPlusItsTimeout()
    {
        var t = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var m = new Migration("m", 100, DirectoryFixture.Mac, "vm1", "a", "b", MigrationMode.Hot, MigrationPhase.Prepared, t, null, null, null, null);
        var authority = new Authority(new Nvo3.Nva.Storage.Memory.MemoryStore(), Settings);

        Assert.Equal(t + Settings.MigrationPreparedTimeout, authority.DeadlineOf(m));
        Assert.Equal(t.AddSeconds(5) + Settings.MigrationPausedTimeout, authority.DeadlineOf(m with { Phase = MigrationPhase.Paused, Paused = t.AddSeconds(5) }));
        Assert.Equal(t.AddSeconds(6) + Settings.MigrationActivatedTimeout, authority.DeadlineOf(m with { Phase = MigrationPhase.Activated, Activated = t.AddSeconds(6) }));
        Assert.Null(authority.DeadlineOf(m with { Mode = MigrationMode.Warm }));
        Assert.Null(authority.DeadlineOf(m with { Phase = MigrationPhase.Completed }));
    }
}
