using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// Compare-and-swap, never last-writer-wins: when another request changes a record between a
/// rule's reads and its commit, the rule reads again and keeps that change.
/// </summary>
public class ConcurrentChangeRulesTests
{
    private static async Task<(DirectoryFixture F, InterleavingStore Store, Authority Other)> StartAsync()
    {
        var store = new InterleavingStore();
        var f = await DirectoryFixture.CreateAsync(store: store);
        return (f, store, new Authority(store.Inner, f.Authority.Settings, f.Time));
    }

    private static Task<Migration> BeginAsync(DirectoryFixture f) =>
        f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));

    [Theory]
    [InlineData("begin")]
    [InlineData("activate")]
    [InlineData("commit")]
    [InlineData("abort")]
    [InlineData("deactivate")]
    [InlineData("disassociate")]
    [InlineData("clear-duplicate")]
    [InlineData("unplanned")]
    public async Task BindingRule_AnotherPlacementAddedMeanwhile_IsKept(string rule)
    {
        var (f, store, other) = await StartAsync();
        var migration = rule is "begin" or "unplanned" or "deactivate" or "clear-duplicate" ? null : await BeginAsync(f);
        if (rule == "commit")
        {
            await f.ClaimAsync("b");
        }
        // Another request associates vm1 at c just before the rule commits.
        store.BeforeNextCommit(() => other.AssociateAsync(new AttachRequest(DirectoryFixture.Vni, DirectoryFixture.Mac, [], "c")));

        var binding = rule switch
        {
            "begin" => await BeginAsync(f).ContinueWith(_ => f.BindingAsync()).Unwrap(),
            "activate" => await f.ClaimAsync("b"),
            "commit" => await f.Authority.CommitMigrationAsync(migration!.Id).ContinueWith(_ => f.BindingAsync()).Unwrap(),
            "abort" => await f.Authority.AbortMigrationAsync(migration!.Id, "given up").ContinueWith(_ => f.BindingAsync()).Unwrap(),
            "deactivate" => await f.Authority.DeactivateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "a"),
            "disassociate" => await f.Authority.DisassociateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "b"),
            "clear-duplicate" => await f.Authority.ClearDuplicateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac),
            _ => await f.ClaimAsync("b", 2),
        };

        var stored = (await f.BindingAsync())!;
        Assert.True(store.Conflicts >= 1, "the rule's first commit met the other change");
        Assert.Equal(PlacementState.Associated, stored.At("c")?.State);
        Assert.Equal(stored.Updated, binding!.Updated); // what the rule answered is what it stored
        var expected = rule switch
        {
            "begin" => stored.At("b")?.State == PlacementState.Associated && stored.MigrationId is not null,
            "activate" or "unplanned" => stored.ActiveNve == "b",
            "commit" => stored.At("a") is null && stored.MigrationId is null,
            "abort" => stored.At("b") is null && stored.MigrationId is null,
            "deactivate" => stored.At("a")!.State == PlacementState.Associated,
            "disassociate" => stored.At("b") is null,
            _ => !stored.Duplicate,
        };
        Assert.True(expected, $"{rule} did what it does: {string.Join(", ", stored.Placements.Select(p => $"{p.Nve} {p.State}"))}");
    }

    [Fact]
    public async Task ExpireRedirects_TheRedirectRewrittenMeanwhile_IsNeitherRemovedNorCounted()
    {
        var (f, store, other) = await StartAsync();
        await f.ClaimAsync("b", 2); // a's redirect to b, expiring after the hold
        f.Time.Advance(TimeSpan.FromMinutes(1));
        // Meanwhile the binding moves on to c: a's redirect is rewritten to point at c.
        store.BeforeNextCommit(() => other.ActivateAsync(new ActivateRequest(DirectoryFixture.Vni, DirectoryFixture.Mac, "c", MoveTrigger.Garp, 3, [])));

        int removed = await f.Authority.ExpireRedirectsAsync();

        Assert.Equal(0, removed);
        Assert.Equal([("a", "c"), ("b", "c")], (await f.Authority.ListRedirectsAsync()).Select(r => (r.OldNve, r.NewNve)).Order());
    }

    [Fact]
    public async Task Transaction_AnotherWriterAlwaysWins_RetriesAtOnceThreeTimesThenBacksOff_ThenAnswersAborted()
    {
        var store = new InterleavingStore();
        var f = await DirectoryFixture.CreateAsync(new NvaSettings { MaxAttempts = 5 }, store: store);
        store.RefuseEveryCommit = true;
        int before = store.Commits; // the fixture's own writes

        var deactivating = f.Authority.DeactivateAsync(DirectoryFixture.Vni, DirectoryFixture.Mac, "a");

        // Attempts 1 to 4 follow one another; before the 5th the NVA waits (1 to 4 ms on its clock).
        for (var giveUp = DateTime.UtcNow.AddSeconds(10); store.Commits - before < 4 && DateTime.UtcNow < giveUp;)
        {
            await Task.Delay(1); // bounded: the attempts run on the thread pool, not on a timer
        }
        Assert.Equal(4, store.Commits - before);
        Assert.False(deactivating.IsCompleted);
        while (!deactivating.IsCompleted && store.Commits - before <= 5)
        {
            f.Time.Advance(TimeSpan.FromMilliseconds(5)); // each wait ends; the attempts go on until they run out
            await Task.Delay(1);
        }
        var ex = await Assert.ThrowsAsync<NvaException>(() => deactivating);
        Assert.Equal(NvaError.Aborted, ex.Error);
        Assert.Equal(5, store.Commits - before);
        Assert.Contains("5 times in a row", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeepAlive_TheNveRegisteredAgainMeanwhile_KeepsTheNewRegistration()
    {
        var (f, store, other) = await StartAsync();
        // The NVE restarted on its own address, now with an agent, between the keep-alive's read and its commit.
        store.BeforeNextCommit(() => other.RegisterNveAsync("b", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.2"))], null, TimeSpan.FromHours(1), "http://192.0.2.2:7471/"));

        var expires = await f.Authority.KeepAliveAsync("b", TimeSpan.FromMinutes(5));

        var nve = (await f.Authority.GetNveAsync("b"))!;
        Assert.True(store.Conflicts >= 1);
        Assert.Equal(("http://192.0.2.2:7471/", (DateTimeOffset?)expires), (nve.Agent, nve.LeaseExpires));
    }
}
