namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// Unplanned failover (draft-ietf-nvo3-vmm section 7): when the primary's NVE stops renewing its
/// lease, the leader activates the warm or hot standby that a standby migration associated at
/// another NVE.
/// </summary>
public sealed class FailoverTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private static async Task<(DirectoryFixture F, Migration Standby)> ProtectedAsync(MigrationMode mode)
    {
        var f = await DirectoryFixture.CreateAsync(lease: Lease, housekeeping: true);
        var standby = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "c", mode));
        return (f, standby);
    }

    [Theory]
    [InlineData(MigrationMode.HotStandby)]
    [InlineData(MigrationMode.Warm)]
    public async Task Sweep_PrimaryLeaseRunsOut_ActivatesTheStandbyAtTheFirstSweepAfterExpiry(MigrationMode mode)
    {
        var (f, standby) = await ProtectedAsync(mode);
        await using var _ = f;
        var lastRenewal = f.Time.GetUtcNow();
        await f.Authority.RenewAsync("a", TimeSpan.Zero);
        await f.Authority.RenewAsync("c", TimeSpan.Zero);

        // c keeps renewing, a (the primary) stops: nothing happens until its lease runs out.
        f.Time.Advance(Lease - TimeSpan.FromMilliseconds(200));
        await f.Authority.RenewAsync("c", TimeSpan.Zero);
        await f.SweepAsync();
        Assert.Equal("a", (await f.BindingAsync())!.ActiveNve);
        f.Time.Advance(TimeSpan.FromMilliseconds(200));
        await f.SweepAsync();

        var binding = (await f.BindingAsync())!;
        Assert.Equal("c", binding.ActiveNve);
        Assert.Equal(MoveTrigger.Failover, binding.LastTrigger);
        Assert.Equal(2, binding.Sequence);
        Assert.False(binding.Duplicate);
        Assert.Null(binding.At("a")); // the dead primary is disassociated: the migration completed
        var migration = (await f.Authority.GetMigrationAsync(standby.Id))!;
        Assert.Equal(MigrationPhase.Completed, migration.Phase);
        Assert.Contains("failed over", migration.Result, StringComparison.Ordinal);
        // The outage the rule allows: from the last renewal to the activation, one lease.
        Assert.Equal(Lease, migration.Activated - lastRenewal);
        Assert.Equal(1, f.Housekeeper!.Failovers);
    }

    [Fact]
    public async Task Sweep_StandbyNveDownToo_ActivatesNothingAndAbortsTheProtection()
    {
        var (f, standby) = await ProtectedAsync(MigrationMode.HotStandby);
        await using var _ = f;
        f.Time.Advance(Lease); // a and c both stop renewing

        await f.SweepAsync();

        Assert.Equal("a", (await f.BindingAsync())!.ActiveNve);
        var migration = (await f.Authority.GetMigrationAsync(standby.Id))!;
        Assert.Equal(MigrationPhase.Aborted, migration.Phase);
        Assert.Contains("destination c is down", migration.Result, StringComparison.Ordinal);
        Assert.Null((await f.BindingAsync())!.At("c"));
    }

    [Fact]
    public async Task Sweep_PrimaryDownWithoutStandby_LeavesTheBindingWhereItWas()
    {
        await using var f = await DirectoryFixture.CreateAsync(lease: Lease, housekeeping: true);
        f.Time.Advance(Lease);

        await f.SweepAsync();

        var binding = (await f.BindingAsync())!;
        Assert.Equal("a", binding.ActiveNve);
        Assert.Equal(1, binding.Sequence);
        Assert.NotNull((await f.Authority.GetNveAsync("a"))!.Down);
    }

    [Fact]
    public async Task Sweep_PrimaryAliveWithProtection_KeepsTheStandbyPreparedPastEveryDeadline()
    {
        var (f, standby) = await ProtectedAsync(MigrationMode.HotStandby);
        await using var _ = f;
        for (int i = 0; i < 10; i++)
        {
            f.Time.Advance(TimeSpan.FromMinutes(2));
            await f.Authority.RenewAsync("a", TimeSpan.FromMinutes(3));
            await f.Authority.RenewAsync("c", TimeSpan.FromMinutes(3));
            await f.SweepAsync();
        }

        Assert.Equal(MigrationPhase.Prepared, (await f.Authority.GetMigrationAsync(standby.Id))!.Phase);
        Assert.Null(f.Authority.DeadlineOf(standby));
    }
}
