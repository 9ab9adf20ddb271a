using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

public class MobilityRulesTests
{
    [Fact]
    public async Task Activate_AtAnotherNve_IncrementsSequenceAndMovesPlacement()
    {
        var f = await DirectoryFixture.CreateAsync();
        var before = (await f.BindingAsync())!;

        var after = await f.ClaimAsync("b", before.Sequence + 1, MoveTrigger.Garp, DirectoryFixture.Ip4);

        Assert.Equal(before.Sequence + 1, after.Sequence);
        Assert.Equal("b", after.ActiveNve);
        Assert.Null(after.At("a"));
        Assert.Equal(MoveTrigger.Garp, after.LastTrigger);
    }

    [Fact]
    public async Task Activate_SameNveTwice_IsIdempotent()
    {
        var f = await DirectoryFixture.CreateAsync();
        var first = await f.ClaimAsync("b", 2);
        var second = await f.ClaimAsync("b", 3);
        Assert.Equal(first.Sequence, second.Sequence);
        Assert.Single((await f.BindingAsync())!.UnplannedMoves);
    }

    [Fact]
    public async Task Activate_StaleSequence_IsRefusedAndChangesNothing()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.ClaimAsync("b", 2);
        long revision = await f.Store.GetRevisionAsync();

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("c", 1));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("stale", ex.Message, StringComparison.Ordinal);
        Assert.Equal(revision, await f.Store.GetRevisionAsync());
        Assert.Equal("b", (await f.BindingAsync())!.ActiveNve);
    }

    [Fact]
    public async Task Activate_TieFromHigherUnderlay_IsRefusedNamingTheHolder()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.ClaimAsync("b", 2); // b (192.0.2.2) holds sequence 2

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("c", 2)); // c (192.0.2.3) ties

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("tie at sequence 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("b (192.0.2.2) keeps it", ex.Message, StringComparison.Ordinal);
        Assert.Equal("b", (await f.BindingAsync())!.ActiveNve);
    }

    [Fact]
    public async Task Activate_TieFromLowerUnderlay_WinsAndKeepsTheSequence()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.ClaimAsync("c", 2); // c (192.0.2.3) holds sequence 2

        var won = await f.ClaimAsync("b", 2); // b (192.0.2.2) ties and is lower

        Assert.Equal("b", won.ActiveNve);
        Assert.Equal(2, won.Sequence);
        Assert.Null(won.At("c"));
    }

    [Fact]
    public async Task Activate_TwoNvesAtOnce_LeaveOneWinnerAndTheOtherRefusedOrSuperseded()
    {
        for (int round = 0; round < 20; round++)
        {
            var f = await DirectoryFixture.CreateAsync();
            var tasks = new[] { "b", "c" }.Select(nve => Task.Run(async () =>
            {
                try
                {
                    await f.ClaimAsync(nve, 2);
                    return (nve, error: (NvaException?)null);
                }
                catch (NvaException ex)
                {
                    return (nve, error: ex);
                }
            })).ToArray();
            var results = await Task.WhenAll(tasks);
            var binding = (await f.BindingAsync())!;

            // The lower underlay (b) ends with it whatever the order; c either was refused with the
            // tie rule's reason or, if it committed first, lost its placement to b.
            Assert.Equal("b", binding.ActiveNve);
            Assert.Single(binding.Placements, p => p.State == PlacementState.Activated);
            Assert.Null(results.Single(r => r.nve == "b").error);
            var c = results.Single(r => r.nve == "c");
            if (c.error is not null)
            {
                Assert.Equal(NvaError.FailedPrecondition, c.error.Error);
                Assert.Contains("tie", c.error.Message, StringComparison.Ordinal);
            }
            Assert.Null(binding.At("c"));
        }
    }

    [Fact]
    public async Task Activate_ManyConcurrentMoves_NeverTwoActivatedPlacements()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 1_000_000, MaxAttempts = 1000 });
        using var cts = new CancellationTokenSource();
        var seen = new List<Binding>();
        var watch = Task.Run(async () =>
        {
            await foreach (var batch in f.Store.WatchAsync("binding/", 1, cts.Token))
            {
                foreach (var e in batch)
                {
                    if (e.Value is not null)
                    {
                        seen.Add(Records.RecordJson.Decode<Binding>(e.Value));
                    }
                }
            }
        });
        string[] nves = ["a", "b", "c"];
        var movers = Enumerable.Range(0, 3).Select(offset => Task.Run(async () =>
        {
            for (int i = 0; i < 60; i++)
            {
                var current = (await f.BindingAsync())!;
                await Task.Yield();
                try
                {
                    await f.ClaimAsync(nves[(i + offset) % 3], current.Sequence + 1);
                }
                catch (NvaException ex) when (ex.Error == NvaError.FailedPrecondition)
                {
                    // Lost to a concurrent claim: the rules said no, which is the point.
                }
            }
        })).ToArray();
        await Task.WhenAll(movers);
        await Task.Delay(100);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);

        Assert.True(seen.Count > 10, $"only {seen.Count} binding changes were seen");
        Assert.All(seen, b => Assert.True(b.Placements.Count(p => p.State == PlacementState.Activated) <= 1));
        var sequences = seen.Select(b => b.Sequence).ToList();
        Assert.Equal(sequences.OrderBy(s => s), sequences); // sequence numbers never go back
    }

    [Fact]
    public async Task Activate_ClaimingAnotherMachinesIp_IsRefusedAndChangesNothing()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.Authority.AttachAsync(new AttachRequest(DirectoryFixture.Vni, MacAddress.Parse("02:00:00:00:00:02"), [IpAddr.Parse("10.0.0.6")], "c"));
        long revision = await f.Store.GetRevisionAsync();

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("b", 2, MoveTrigger.Garp, IpAddr.Parse("10.0.0.6")));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("10.0.0.6", ex.Message, StringComparison.Ordinal);
        Assert.Equal(revision, await f.Store.GetRevisionAsync());
    }

    [Fact]
    public async Task Activate_ClaimingAnIpOutsideTheSubnets_IsRefusedAsInvalid()
    {
        var f = await DirectoryFixture.CreateAsync();
        long revision = await f.Store.GetRevisionAsync();

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("b", 2, MoveTrigger.Garp, IpAddr.Parse("192.168.1.1")));

        Assert.Equal(NvaError.InvalidArgument, ex.Error);
        Assert.Contains("outside", ex.Message, StringComparison.Ordinal);
        Assert.Equal(revision, await f.Store.GetRevisionAsync());
    }

    [Fact]
    public async Task Activate_StickyBinding_RefusesToMove()
    {
        var f = await DirectoryFixture.CreateAsync(attach: false);
        await f.Authority.AttachAsync(new AttachRequest(DirectoryFixture.Vni, DirectoryFixture.Mac, [DirectoryFixture.Ip4], "a", "gw", Sticky: true));

        var claim = await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("b", 2));
        var migrate = await Assert.ThrowsAsync<NvaException>(() => f.Authority.BeginMigrationAsync(new BeginMigrationRequest("gw", 0, default, "b", MigrationMode.Hot)));

        Assert.Equal(NvaError.FailedPrecondition, claim.Error);
        Assert.Contains("sticky", claim.Message, StringComparison.Ordinal);
        Assert.Equal(NvaError.FailedPrecondition, migrate.Error);
        Assert.Equal("a", (await f.BindingAsync())!.ActiveNve);
    }

    [Fact]
    public async Task Activate_NUnplannedMovesWithinWindow_FlagsDuplicate()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 5, DuplicateWindow = TimeSpan.FromSeconds(180) });
        string[] path = ["b", "c", "b", "c"];
        foreach (var nve in path)
        {
            f.Time.Advance(TimeSpan.FromSeconds(10));
            var b = (await f.BindingAsync())!;
            await f.ClaimAsync(nve, b.Sequence + 1);
        }
        Assert.False((await f.BindingAsync())!.Duplicate);

        f.Time.Advance(TimeSpan.FromSeconds(10));
        var fifth = await f.ClaimAsync("b", (await f.BindingAsync())!.Sequence + 1);

        Assert.True(fifth.Duplicate);
        Assert.Null(fifth.FrozenUntil); // policy warn: flagged, still accepted
    }

    [Fact]
    public async Task Activate_FlappingDuplicateUnderWarn_KeepsOnlyTheNewestNMoveTimes()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 5, DuplicateWindow = TimeSpan.FromSeconds(180) });
        for (int i = 0; i < 40; i++)
        {
            f.Time.Advance(TimeSpan.FromSeconds(1));
            await f.ClaimAsync(i % 2 == 0 ? "b" : "c", (await f.BindingAsync())!.Sequence + 1);
        }
        var binding = (await f.BindingAsync())!;

        Assert.True(binding.Duplicate);
        Assert.Equal(5, binding.UnplannedMoves.Count);
        Assert.Equal(f.Time.GetUtcNow(), binding.UnplannedMoves[^1]);
        Assert.Equal(f.Time.GetUtcNow() - TimeSpan.FromSeconds(4), binding.UnplannedMoves[0]);
    }

    [Fact]
    public async Task Activate_MovesSpreadBeyondTheWindow_AreNotDuplicates()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 3, DuplicateWindow = TimeSpan.FromSeconds(60) });
        foreach (var nve in new[] { "b", "c", "b", "c", "b", "c" })
        {
            f.Time.Advance(TimeSpan.FromSeconds(31)); // at most 2 moves within any 60 s
            await f.ClaimAsync(nve, (await f.BindingAsync())!.Sequence + 1);
        }
        Assert.False((await f.BindingAsync())!.Duplicate);
    }

    [Fact]
    public async Task Activate_FrozenDuplicate_RefusesTheNextUnplannedMoveUntilCleared()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 3, DuplicatePolicy = DuplicatePolicy.Freeze });
        foreach (var nve in new[] { "b", "c", "b" })
        {
            await f.ClaimAsync(nve, (await f.BindingAsync())!.Sequence + 1);
        }
        var frozen = (await f.BindingAsync())!;
        Assert.True(frozen.Duplicate);
        Assert.Equal(DateTimeOffset.MaxValue, frozen.FrozenUntil);

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("c", frozen.Sequence + 1));
        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("frozen", ex.Message, StringComparison.Ordinal);
        Assert.Equal("b", (await f.BindingAsync())!.ActiveNve);

        await f.Authority.ClearDuplicateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac);
        var moved = await f.ClaimAsync("c", frozen.Sequence + 1);
        Assert.Equal("c", moved.ActiveNve);
        Assert.False(moved.Duplicate);
    }

    [Fact]
    public async Task Activate_FreezeTimePassed_AcceptsAgain()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 2, DuplicatePolicy = DuplicatePolicy.Freeze, FreezeTime = TimeSpan.FromSeconds(30) });
        await f.ClaimAsync("b", 2);
        await f.ClaimAsync("c", 3);
        await Assert.ThrowsAsync<NvaException>(() => f.ClaimAsync("b", 4));

        f.Time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal("b", (await f.ClaimAsync("b", 4)).ActiveNve);
    }

    [Fact]
    public async Task PlannedMigrations_NeverCountTowardsDuplicates()
    {
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { DuplicateMoves = 2, DuplicatePolicy = DuplicatePolicy.Freeze });
        string[] path = ["b", "c", "a", "b", "c", "a", "b"];
        foreach (var destination in path)
        {
            var m = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, destination, MigrationMode.Hot));
            await f.Authority.PauseMigrationAsync(m.Id);
            await f.ClaimAsync(destination, 0, MoveTrigger.Garp, DirectoryFixture.Ip4);
            await f.Authority.CommitMigrationAsync(m.Id);
        }
        var binding = (await f.BindingAsync())!;
        Assert.Equal("b", binding.ActiveNve);
        Assert.False(binding.Duplicate);
        Assert.Empty(binding.UnplannedMoves);
        Assert.Equal(1 + path.Length, binding.Sequence);
    }
}
