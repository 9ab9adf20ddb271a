using System.Text;
using Nvo3.Nva.Storage;

namespace Nvo3.Nva.Tests.Storage;

/// <summary>
/// The one contract every <see cref="IDirectoryStore"/> keeps (etcd's semantics). Each backend
/// runs it through a subclass that opens a fresh, empty store per test. Revisions are only ever
/// compared with each other, never with fixed numbers: etcd starts at 1, the others at 0.
/// </summary>
public abstract class DirectoryStoreConformanceTests
{
    /// <summary>Opens a fresh store that no other test uses.</summary>
    protected abstract ValueTask<IDirectoryStore> OpenStoreAsync();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static byte[] V(string text) => Encoding.UTF8.GetBytes(text);

    protected static string S(byte[]? value) => value is null ? "<null>" : Encoding.UTF8.GetString(value);

    // CRUD

    [Fact]
    public async Task GetAsync_AbsentKey_ReturnsNull()
    {
        await using var store = await OpenStoreAsync();
        Assert.Null(await store.GetAsync("vn/1", Ct));
    }

    [Fact]
    public async Task CommitAsync_PutThenOverwrite_KeepsCreateRevisionAndCountsVersions()
    {
        await using var store = await OpenStoreAsync();
        var created = await store.CommitAsync(new StoreTransaction().Put("vn/1", V("a")), Ct);
        var first = await store.GetAsync("vn/1", Ct);
        Assert.True(created.Succeeded);
        Assert.NotNull(first);
        Assert.Equal("vn/1", first.Key);
        Assert.Equal("a", S(first.Value));
        Assert.Equal(created.Revision, first.CreateRevision);
        Assert.Equal(created.Revision, first.ModRevision);
        Assert.Equal(1, first.Version);

        var updated = await store.CommitAsync(new StoreTransaction().Put("vn/1", V("b")), Ct);
        var second = await store.GetAsync("vn/1", Ct);
        Assert.NotNull(second);
        Assert.Equal("b", S(second.Value));
        Assert.Equal(created.Revision, second.CreateRevision);
        Assert.Equal(updated.Revision, second.ModRevision);
        Assert.Equal(2, second.Version);
    }

    [Fact]
    public async Task CommitAsync_EmptyValue_RoundTrips()
    {
        await using var store = await OpenStoreAsync();
        await store.CommitAsync(new StoreTransaction().Put("empty", []), Ct);
        var entry = await store.GetAsync("empty", Ct);
        Assert.NotNull(entry);
        Assert.Empty(entry.Value);
    }

    [Fact]
    public async Task CommitAsync_Delete_RemovesKeyAndRecreationStartsOver()
    {
        await using var store = await OpenStoreAsync();
        await store.CommitAsync(new StoreTransaction().Put("nve/a", V("1")), Ct);
        await store.CommitAsync(new StoreTransaction().Put("nve/a", V("2")), Ct);
        var deleted = await store.CommitAsync(new StoreTransaction().Delete("nve/a"), Ct);
        Assert.True(deleted.Succeeded);
        Assert.Null(await store.GetAsync("nve/a", Ct));
        Assert.Equal(deleted.Revision, await store.GetRevisionAsync(Ct));

        var recreated = await store.CommitAsync(new StoreTransaction().Put("nve/a", V("3")), Ct);
        var entry = await store.GetAsync("nve/a", Ct);
        Assert.NotNull(entry);
        Assert.Equal(recreated.Revision, entry.CreateRevision);
        Assert.Equal(1, entry.Version);
    }

    // Revisions

    [Fact]
    public async Task CommitAsync_SeveralOperations_TakeOneRevision()
    {
        await using var store = await OpenStoreAsync();
        long before = await store.GetRevisionAsync(Ct);
        var commit = await store.CommitAsync(new StoreTransaction().Put("a", V("1")).Put("b", V("2")).Put("c", V("3")), Ct);
        Assert.True(commit.Succeeded);
        Assert.Equal(before + 1, commit.Revision);
        Assert.Equal(commit.Revision, await store.GetRevisionAsync(Ct));
        foreach (var key in new[] { "a", "b", "c" })
        {
            var entry = await store.GetAsync(key, Ct);
            Assert.NotNull(entry);
            Assert.Equal(commit.Revision, entry.ModRevision);
        }
        var next = await store.CommitAsync(new StoreTransaction().Put("a", V("4")).Delete("b"), Ct);
        Assert.Equal(commit.Revision + 1, next.Revision);
    }

    [Fact]
    public async Task CommitAsync_DeleteOfAbsentKey_TakesNoRevision()
    {
        await using var store = await OpenStoreAsync();
        await store.CommitAsync(new StoreTransaction().Put("present", V("1")), Ct);
        long before = await store.GetRevisionAsync(Ct);
        var commit = await store.CommitAsync(new StoreTransaction().Delete("absent").Delete("also-absent"), Ct);
        Assert.True(commit.Succeeded);
        Assert.Equal(before, commit.Revision);
        Assert.Equal(before, await store.GetRevisionAsync(Ct));
        Assert.NotNull(await store.GetAsync("present", Ct));
    }

    // Transactions

    [Fact]
    public async Task CommitAsync_CompareFails_AppliesNothing()
    {
        await using var store = await OpenStoreAsync();
        var put = await store.CommitAsync(new StoreTransaction().Put("binding/1", V("nve-a")), Ct);

        var stale = await store.CommitAsync(new StoreTransaction()
            .IfModRevision("binding/1", put.Revision - 1)
            .Put("binding/1", V("nve-b")).Put("redirect/1", V("x")).Delete("binding/1"), Ct);
        Assert.False(stale.Succeeded);
        Assert.Equal(put.Revision, stale.Revision);
        Assert.Equal(put.Revision, await store.GetRevisionAsync(Ct));
        Assert.Equal("nve-a", S((await store.GetAsync("binding/1", Ct))?.Value));
        Assert.Null(await store.GetAsync("redirect/1", Ct));

        var notAbsent = await store.CommitAsync(new StoreTransaction().IfAbsent("binding/1").Put("binding/1", V("nve-c")), Ct);
        Assert.False(notAbsent.Succeeded);
        Assert.Equal("nve-a", S((await store.GetAsync("binding/1", Ct))?.Value));
    }

    [Fact]
    public async Task CommitAsync_ComparesHold_AppliesEverything()
    {
        await using var store = await OpenStoreAsync();
        var put = await store.CommitAsync(new StoreTransaction().Put("binding/1", V("nve-a")), Ct);
        var entry = await store.GetAsync("binding/1", Ct);

        var commit = await store.CommitAsync(new StoreTransaction()
            .IfUnchanged("binding/1", entry)
            .IfAbsent("redirect/1")
            .IfUnchanged("migration/1", null)
            .Put("binding/1", V("nve-b")).Put("redirect/1", V("a->b")), Ct);
        Assert.True(commit.Succeeded);
        Assert.Equal(put.Revision + 1, commit.Revision);
        Assert.Equal("nve-b", S((await store.GetAsync("binding/1", Ct))?.Value));
        Assert.Equal("a->b", S((await store.GetAsync("redirect/1", Ct))?.Value));
    }

    [Fact]
    public async Task CommitAsync_OneOfSeveralComparesFails_NoKeyChanges()
    {
        await using var store = await OpenStoreAsync();
        await store.CommitAsync(new StoreTransaction().Put("x", V("1")).Put("y", V("1")), Ct);
        var x = await store.GetAsync("x", Ct);
        await store.CommitAsync(new StoreTransaction().Put("y", V("2")), Ct);
        var staleY = x; // y changed after this read

        var commit = await store.CommitAsync(new StoreTransaction()
            .IfUnchanged("x", x).IfModRevision("y", staleY!.ModRevision)
            .Put("x", V("3")).Put("y", V("3")).Put("z", V("3")), Ct);
        Assert.False(commit.Succeeded);
        Assert.Equal("1", S((await store.GetAsync("x", Ct))?.Value));
        Assert.Equal("2", S((await store.GetAsync("y", Ct))?.Value));
        Assert.Null(await store.GetAsync("z", Ct));
    }

    [Fact]
    public async Task CommitAsync_ManyTasksCreateTheSameKey_ExactlyOneSucceeds()
    {
        await using var store = await OpenStoreAsync();
        var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await store.CommitAsync(new StoreTransaction().IfAbsent("claim").Put("claim", V($"task-{i}")), Ct))).ToArray();
        var results = await Task.WhenAll(attempts);
        Assert.Single(results, r => r.Succeeded);
        var winner = Array.FindIndex(results, r => r.Succeeded);
        Assert.Equal($"task-{winner}", S((await store.GetAsync("claim", Ct))?.Value));
    }

    [Fact]
    public async Task CommitAsync_ConcurrentCompareAndSwapIncrements_LoseNoUpdate()
    {
        const int Tasks = 8;
        const int IncrementsPerTask = 25;
        await using var store = await OpenStoreAsync();
        await store.CommitAsync(new StoreTransaction().Put("counter", V("0")), Ct);
        int successes = 0;
        int conflicts = 0;
        var workers = Enumerable.Range(0, Tasks).Select(_ => Task.Run(async () =>
        {
            for (int done = 0; done < IncrementsPerTask;)
            {
                var entry = await store.GetAsync("counter", Ct);
                int value = int.Parse(S(entry!.Value), System.Globalization.CultureInfo.InvariantCulture);
                var commit = await store.CommitAsync(new StoreTransaction()
                    .IfUnchanged("counter", entry)
                    .Put("counter", V((value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))), Ct);
                if (commit.Succeeded)
                {
                    Interlocked.Increment(ref successes);
                    done++;
                }
                else
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        var final = await store.GetAsync("counter", Ct);
        Assert.Equal(Tasks * IncrementsPerTask, successes);
        Assert.Equal((Tasks * IncrementsPerTask).ToString(System.Globalization.CultureInfo.InvariantCulture), S(final!.Value));
        Assert.Equal(Tasks * IncrementsPerTask + 1, final.Version);
    }

    // List

    [Fact]
    public async Task ListAsync_Prefix_ReturnsItsKeysInKeyOrderWithTheReadRevision()
    {
        await using var store = await OpenStoreAsync();
        foreach (var key in new[] { "b/2", "a/1", "b/10", "c", "b/1", "b", "b/1/x" })
        {
            await store.CommitAsync(new StoreTransaction().Put(key, V(key)), Ct);
        }
        await store.CommitAsync(new StoreTransaction().Delete("b/2"), Ct);
        long revision = await store.GetRevisionAsync(Ct);

        var range = await store.ListAsync("b/", Ct);
        Assert.Equal(["b/1", "b/1/x", "b/10"], range.Entries.Select(e => e.Key));
        Assert.All(range.Entries, e => Assert.Equal(e.Key, S(e.Value)));
        Assert.Equal(revision, range.Revision);

        var all = await store.ListAsync("", Ct);
        Assert.Equal(["a/1", "b", "b/1", "b/1/x", "b/10", "c"], all.Entries.Select(e => e.Key));

        var none = await store.ListAsync("zzz/", Ct);
        Assert.Empty(none.Entries);
        Assert.Equal(revision, none.Revision);
    }

    // Watch

    [Fact]
    public async Task WatchAsync_FromPastRevision_ReplaysEveryChangeUnderThePrefixInTransactionBatches()
    {
        await using var store = await OpenStoreAsync();
        await store.CommitAsync(new StoreTransaction().Put("a/0", V("before")), Ct);
        var r1 = await store.CommitAsync(new StoreTransaction().Put("a/1", V("1")).Put("other/1", V("x")).Put("a/2", V("2")), Ct);
        var r2 = await store.CommitAsync(new StoreTransaction().Delete("a/1"), Ct);
        await store.CommitAsync(new StoreTransaction().Put("other/2", V("y")), Ct);
        var r4 = await store.CommitAsync(new StoreTransaction().Put("a/3", V("3")).Put("a/2", V("2b")), Ct);

        await using var watch = new WatchRecorder(store, "a/", r1.Revision);
        var b1 = await watch.NextAsync();
        Assert.Equal([(StoreEventKind.Put, "a/1", "1", r1.Revision), (StoreEventKind.Put, "a/2", "2", r1.Revision)], Describe(b1));
        var b2 = await watch.NextAsync();
        Assert.Equal([(StoreEventKind.Delete, "a/1", "<null>", r2.Revision)], Describe(b2));
        var b3 = await watch.NextAsync();
        Assert.Equal([(StoreEventKind.Put, "a/3", "3", r4.Revision), (StoreEventKind.Put, "a/2", "2b", r4.Revision)], Describe(b3));

        // Then live, in the same stream.
        var r5 = await store.CommitAsync(new StoreTransaction().Put("a/4", V("4")), Ct);
        Assert.Equal([(StoreEventKind.Put, "a/4", "4", r5.Revision)], Describe(await watch.NextAsync()));
        Assert.False(watch.TryNext(out _));
    }

    [Fact]
    public async Task WatchAsync_FromZero_DeliversOnlyChangesAfterItStarted()
    {
        await using var store = await OpenStoreAsync();
        await store.CommitAsync(new StoreTransaction().Put("w/old", V("old")), Ct);
        long before = await store.GetRevisionAsync(Ct);

        await using var watch = new WatchRecorder(store, "w/", 0);
        // The watch starts in the background: write until it has seen something, so the test
        // cannot depend on when it registered.
        IReadOnlyList<StoreEvent>? first = null;
        for (int i = 0; i < 200 && first is null; i++)
        {
            await store.CommitAsync(new StoreTransaction().Put($"w/new/{i}", V("new")), Ct);
            try
            {
                first = await watch.NextAsync(TimeSpan.FromMilliseconds(100));
            }
            catch (TimeoutException)
            {
            }
        }
        Assert.NotNull(first);
        Assert.All(first, e => Assert.StartsWith("w/new/", e.Key, StringComparison.Ordinal));
        Assert.All(first, e => Assert.True(e.Revision > before));
        while (watch.TryNext(out var more))
        {
            Assert.All(more!, e => Assert.NotEqual("w/old", e.Key));
        }
    }

    [Fact]
    public async Task WatchAsync_Live_DeliversEachCommitAsItHappens()
    {
        await using var store = await OpenStoreAsync();
        long now = await store.GetRevisionAsync(Ct);
        await using var watch = new WatchRecorder(store, "live/", now + 1);
        for (int i = 0; i < 5; i++)
        {
            var commit = await store.CommitAsync(new StoreTransaction().Put($"live/{i}", V($"{i}")).Put($"elsewhere/{i}", V("x")), Ct);
            var batch = await watch.NextAsync();
            Assert.Equal([(StoreEventKind.Put, $"live/{i}", $"{i}", commit.Revision)], Describe(batch));
        }
        var delete = await store.CommitAsync(new StoreTransaction().Delete("live/0").Delete("live/1"), Ct);
        Assert.Equal([(StoreEventKind.Delete, "live/0", "<null>", delete.Revision), (StoreEventKind.Delete, "live/1", "<null>", delete.Revision)],
            Describe(await watch.NextAsync()));
    }

    [Fact]
    public async Task WatchAsync_FromFutureRevision_StartsAtThatRevision()
    {
        await using var store = await OpenStoreAsync();
        long now = await store.GetRevisionAsync(Ct);
        await using var watch = new WatchRecorder(store, "f/", now + 3);
        var revisions = new List<long>();
        for (int i = 1; i <= 4; i++)
        {
            revisions.Add((await store.CommitAsync(new StoreTransaction().Put($"f/{i}", V($"{i}")), Ct)).Revision);
        }
        Assert.Equal([(StoreEventKind.Put, "f/3", "3", revisions[2])], Describe(await watch.NextAsync()));
        Assert.Equal([(StoreEventKind.Put, "f/4", "4", revisions[3])], Describe(await watch.NextAsync()));
    }

    [Fact]
    public async Task WatchAsync_StoreDisposed_EndsTheWatch()
    {
        var store = await OpenStoreAsync();
        long now = await store.GetRevisionAsync(Ct);
        await using var watch = new WatchRecorder(store, "", now + 1);
        var commit = await store.CommitAsync(new StoreTransaction().Put("k", V("v")), Ct);
        Assert.Equal(commit.Revision, (await watch.NextAsync())[0].Revision);
        await store.DisposeAsync();
        await Assert.ThrowsAsync<System.Threading.Channels.ChannelClosedException>(async () => await watch.NextAsync());
    }

    // Compaction and resync

    [Fact]
    public async Task WatchAsync_FromCompactedRevision_ThrowsAndLaterRevisionsStillReplay()
    {
        await using var store = await OpenStoreAsync();
        var revisions = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            revisions.Add((await store.CommitAsync(new StoreTransaction().Put($"k/{i}", V($"{i}")), Ct)).Revision);
        }
        await store.CompactAsync(revisions[2], Ct);

        foreach (long from in new[] { revisions[0], revisions[2] })
        {
            await using var enumerator = store.WatchAsync("k/", from, Ct).GetAsyncEnumerator(Ct);
            var e = await Assert.ThrowsAsync<RevisionCompactedException>(async () => await enumerator.MoveNextAsync());
            Assert.Equal(from, e.RequestedRevision);
            Assert.Equal(revisions[2], e.CompactedRevision);
        }

        await using var watch = new WatchRecorder(store, "k/", revisions[3]);
        Assert.Equal([(StoreEventKind.Put, "k/3", "3", revisions[3])], Describe(await watch.NextAsync()));
        Assert.Equal([(StoreEventKind.Put, "k/4", "4", revisions[4])], Describe(await watch.NextAsync()));

        // Current values survive compaction.
        var range = await store.ListAsync("k/", Ct);
        Assert.Equal(5, range.Entries.Count);

        // Compacting again, or past the end, is harmless.
        await store.CompactAsync(revisions[1], Ct);
        await store.CompactAsync(revisions[4] + 100, Ct);
    }

    [Fact]
    public async Task WatchAsync_ResyncAfterCompaction_ConvergesOnTheFreshListWhileWritesContinue()
    {
        await using var store = await OpenStoreAsync();
        var first = await store.CommitAsync(new StoreTransaction().Put("r/seed", V("0")), Ct);
        for (int i = 0; i < 10; i++)
        {
            await store.CommitAsync(new StoreTransaction().Put($"r/k{i % 4}", V($"early{i}")), Ct);
        }
        await store.CompactAsync(await store.GetRevisionAsync(Ct), Ct);

        // A watcher that fell behind is told to resync...
        await using (var stale = new WatchRecorder(store, "r/", first.Revision + 1))
        {
            await Assert.ThrowsAsync<RevisionCompactedException>(async () => await stale.NextAsync());
        }

        // ...and resyncs with a list and a watch from just after it, while a writer goes on.
        var writer = Task.Run(async () =>
        {
            var random = new Random(7);
            for (int i = 0; i < 150; i++)
            {
                var tx = new StoreTransaction();
                string key = $"r/k{random.Next(10)}";
                if (random.Next(4) == 0)
                {
                    tx.Delete(key);
                }
                else
                {
                    tx.Put(key, V($"v{i}"));
                }
                if (random.Next(3) == 0)
                {
                    tx.Put($"r/m{random.Next(5)}", V($"m{i}"));
                }
                await store.CommitAsync(tx, Ct);
            }
        }, Ct);
        var list = await store.ListAsync("r/", Ct);
        var state = list.Entries.ToDictionary(e => e.Key, e => S(e.Value));
        long applied = list.Revision;
        await using var watch = new WatchRecorder(store, "r/", list.Revision + 1);
        await writer;
        long final = await store.GetRevisionAsync(Ct);
        while (applied < final)
        {
            var batch = await watch.NextAsync();
            Assert.True(batch[0].Revision > applied, $"batch at {batch[0].Revision} after {applied}");
            Assert.All(batch, e => Assert.Equal(batch[0].Revision, e.Revision));
            foreach (var e in batch)
            {
                if (e.Kind == StoreEventKind.Put)
                {
                    state[e.Key] = S(e.Value);
                }
                else
                {
                    Assert.True(state.Remove(e.Key), $"delete of {e.Key}, which the resynced state does not have");
                }
            }
            applied = batch[0].Revision;
        }
        var fresh = await store.ListAsync("r/", Ct);
        Assert.Equal(final, fresh.Revision);
        Assert.Equal(fresh.Entries.ToDictionary(e => e.Key, e => S(e.Value)), state);
    }

    protected static (StoreEventKind Kind, string Key, string Value, long Revision)[] Describe(IReadOnlyList<StoreEvent> batch) =>
        batch.Select(e => (e.Kind, e.Key, S(e.Value), e.Revision)).ToArray();
}
