using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Sqlite;

namespace Nvo3.Nva.Tests.Storage;

public sealed class SqliteStoreTests : DirectoryStoreConformanceTests, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override ValueTask<IDirectoryStore> OpenStoreAsync() =>
        ValueTask.FromResult<IDirectoryStore>(SqliteStore.Open(_folder.File(Guid.NewGuid().ToString("N") + ".db")));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Open_ExistingFile_KeepsDataRevisionsAndHistory()
    {
        string path = _folder.File("reopen.db");
        long created;
        long last;
        await using (var store = SqliteStore.Open(path))
        {
            created = (await store.CommitAsync(new StoreTransaction().Put("vn/1", V("a")), Ct)).Revision;
            await store.CommitAsync(new StoreTransaction().Put("vn/2", V("b")), Ct);
            last = (await store.CommitAsync(new StoreTransaction().Put("vn/1", V("c")).Delete("vn/2"), Ct)).Revision;
        }
        await using (var store = SqliteStore.Open(path))
        {
            Assert.Equal(last, await store.GetRevisionAsync(Ct));
            var entry = await store.GetAsync("vn/1", Ct);
            Assert.NotNull(entry);
            Assert.Equal((created, last, 2L), (entry.CreateRevision, entry.ModRevision, entry.Version));
            Assert.Equal("c", S(entry.Value));
            Assert.Null(await store.GetAsync("vn/2", Ct));

            await using var watch = new WatchRecorder(store, "vn/", created);
            Assert.Equal([(StoreEventKind.Put, "vn/1", "a", created)], Describe(await watch.NextAsync()));
            Assert.Equal([(StoreEventKind.Put, "vn/2", "b", created + 1)], Describe(await watch.NextAsync()));
            Assert.Equal([(StoreEventKind.Put, "vn/1", "c", last), (StoreEventKind.Delete, "vn/2", "<null>", last)], Describe(await watch.NextAsync()));

            var next = await store.CommitAsync(new StoreTransaction().Put("vn/3", V("d")), Ct);
            Assert.Equal(last + 1, next.Revision);
        }
    }

    [Fact]
    public async Task Open_FileAlreadyOpen_IsRefusedUntilTheFirstStoreCloses()
    {
        string path = _folder.File("one-writer.db");
        var first = SqliteStore.Open(path);
        var refused = Assert.Throws<IOException>(() => SqliteStore.Open(path));
        Assert.Contains("already open", refused.Message, StringComparison.Ordinal);
        Assert.Contains(path + ".lock", refused.Message, StringComparison.Ordinal);
        await first.DisposeAsync();

        await using var second = SqliteStore.Open(path);
        await second.CommitAsync(new StoreTransaction().Put("k", V("v")), Ct);
    }

    [Fact]
    public async Task Open_CorruptFile_SaysSoAndWhatToDo()
    {
        string path = _folder.File("corrupt.db");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 31))]);
        var e = Assert.Throws<IOException>(() => SqliteStore.Open(path));
        Assert.Contains("not an SQLite database or is corrupt", e.Message, StringComparison.Ordinal);
        Assert.Contains("Move it aside", e.Message, StringComparison.Ordinal);
        // The refused open released its lock.
        File.Delete(path);
        await SqliteStore.Open(path).DisposeAsync();
    }

    [Fact]
    public void Open_OtherSqliteDatabase_IsRefused()
    {
        string path = _folder.File("foreign.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE customers (id INTEGER)";
            command.ExecuteNonQuery();
        }
        var e = Assert.Throws<IOException>(() => SqliteStore.Open(path));
        Assert.Contains("not an Nvo3 store", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnwritablePath_SaysWhichFolderAndWhatToDo()
    {
        string file = _folder.File("plain-file");
        File.WriteAllText(file, "not a folder");
        var e = Assert.Throws<IOException>(() => SqliteStore.Open(Path.Combine(file, "sub", "nva.db")));
        Assert.Contains("Choose a writable path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Folder_IsAnArgumentError()
    {
        var e = Assert.Throws<ArgumentException>(() => SqliteStore.Open(_folder.Path));
        Assert.Contains("names a folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_MissingParentFolders_AreCreated()
    {
        string path = Path.Combine(_folder.Path, "a", "b", "nva.db");
        await using var store = SqliteStore.Open(path);
        await store.CommitAsync(new StoreTransaction().Put("k", V("v")), Ct);
        Assert.True(File.Exists(path));

        // Another reader (the sqlite3 shell, a backup) may look while the store is open.
        using var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        reader.Open();
        using var command = reader.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "SELECT key, mod_rev, version FROM kv";
        using var rows = command.ExecuteReader();
        Assert.True(rows.Read());
        Assert.Equal(("k", 1L, 1L), (rows.GetString(0), rows.GetInt64(1), rows.GetInt64(2)));
    }

    [Fact]
    public async Task CommitAsync_PastKeepRevisions_CompactsTheLogAutomatically()
    {
        await using var store = SqliteStore.Open(_folder.File("auto-compact.db"), new SqliteStoreOptions { KeepRevisions = 10 });
        long first = 0;
        for (int i = 0; i < 40; i++)
        {
            long revision = (await store.CommitAsync(new StoreTransaction().Put($"k/{i % 3}", V($"{i}")), Ct)).Revision;
            first = first == 0 ? revision : first;
        }
        long last = await store.GetRevisionAsync(Ct);

        await using var enumerator = store.WatchAsync("k/", first, Ct).GetAsyncEnumerator(Ct);
        await Assert.ThrowsAsync<RevisionCompactedException>(async () => await enumerator.MoveNextAsync());

        // At least the last 10 revisions are still there.
        await using var watch = new WatchRecorder(store, "k/", last - 9);
        for (long revision = last - 9; revision <= last; revision++)
        {
            Assert.Equal(revision, (await watch.NextAsync())[0].Revision);
        }
    }

    [Fact]
    public async Task Open_WritingConnection_IsSynchronousFull()
    {
        await using var store = SqliteStore.Open(_folder.File("pragma.db"));

        // 2 = FULL: each commit's WAL frames are fsynced before it is acknowledged.
        Assert.Equal(2, await store.ReadWriterPragmaAsync("synchronous"));
    }

    [Fact]
    public async Task CommitAsync_ConcurrentCommits_ShareTransactionsAndEachKeepsItsOwnOutcome()
    {
        await using var store = SqliteStore.Open(_folder.File("group.db"));
        long before = await store.GetRevisionAsync(Ct);

        // 64 writers race for 16 keys: each key is created by exactly one, the others' compares fail.
        var commits = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
            (Key: i % 16, Commit: await store.CommitAsync(new StoreTransaction().IfAbsent($"g/{i % 16:D2}").Put($"g/{i % 16:D2}", V($"{i}")), Ct)))));

        var won = commits.Where(c => c.Commit.Succeeded).ToList();
        Assert.Equal(16, won.Count);
        Assert.Equal(Enumerable.Range(0, 16), won.Select(c => c.Key).Order());
        // Every winner has its own revision, dense from the one before.
        Assert.Equal(Enumerable.Range(1, 16).Select(r => before + r), won.Select(c => c.Commit.Revision).Order());
        var entries = (await store.ListAsync("g/", Ct)).Entries;
        Assert.Equal(16, entries.Count);
        Assert.All(entries, e => Assert.Contains(won, c => c.Commit.Revision == e.ModRevision));
    }

    [Fact]
    public async Task Durability_ConcurrentWritersKilledWithSigkill_EveryAcknowledgedCommitSurvives()
    {
        string path = _folder.File("durability-group.db");
        using var writer = new StoreWriterProcess("sqlite:" + path, writers: 16);
        await writer.WaitReadyAsync(TimeSpan.FromSeconds(30));
        await writer.WaitForAcknowledgedAsync(2000, TimeSpan.FromSeconds(60));

        await writer.KillAsync();

        await using var store = SqliteStore.Open(path);
        await writer.AssertEveryAcknowledgedCommitIsInAsync(store);
    }

    [Fact]
    public async Task Durability_WriterKilledWithSigkill_EveryAcknowledgedCommitSurvives()
    {
        string path = _folder.File("durability.db");
        using var writer = new StoreWriterProcess("sqlite:" + path);
        await writer.WaitReadyAsync(TimeSpan.FromSeconds(30));
        await writer.WaitForAcknowledgedAsync(200, TimeSpan.FromSeconds(60));

        // The child holds the file: this process is refused, across processes too.
        var refused = Assert.Throws<IOException>(() => SqliteStore.Open(path));
        Assert.Contains("already open", refused.Message, StringComparison.Ordinal);

        await writer.KillAsync();
        Assert.True(writer.Acknowledged.Count >= 200);

        await using var store = SqliteStore.Open(path);
        await writer.AssertEveryAcknowledgedCommitIsInAsync(store);
    }
}
