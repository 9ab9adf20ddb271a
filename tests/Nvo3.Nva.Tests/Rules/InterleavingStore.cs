using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Memory;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// A memory store that lets a test slip one write in between a rule's reads and its commit, as a
/// concurrent request would: the rule's compare-and-swap must then fail, and the rule read again
/// and decide on what is there now, never overwrite it.
/// </summary>
internal sealed class InterleavingStore : IDirectoryStore
{
    private Func<Task>? _beforeNextCommit;

    public MemoryStore Inner { get; } = new();

    public string Description => "interleaving " + Inner.Description;

    /// <summary>Commits that were refused because something changed since the rule read it.</summary>
    public int Conflicts { get; private set; }

    /// <summary>Commits asked for.</summary>
    public int Commits => Volatile.Read(ref _commits);

    /// <summary>While set, every commit is refused as if another writer always won.</summary>
    public bool RefuseEveryCommit { get; set; }

    private int _commits;

    /// <summary>Runs <paramref name="write"/> (against <see cref="Inner"/>) just before the next commit.</summary>
    public void BeforeNextCommit(Func<Task> write) => _beforeNextCommit = write;

    public async ValueTask<StoreCommit> CommitAsync(StoreTransaction transaction, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _commits);
        if (RefuseEveryCommit)
        {
            Conflicts++;
            return new StoreCommit(false, await Inner.GetRevisionAsync(cancellationToken));
        }
        if (Interlocked.Exchange(ref _beforeNextCommit, null) is { } write)
        {
            await write();
        }
        var commit = await Inner.CommitAsync(transaction, cancellationToken);
        Conflicts += commit.Succeeded ? 0 : 1;
        return commit;
    }

    public ValueTask<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => Inner.GetAsync(key, cancellationToken);

    public ValueTask<StoreRange> ListAsync(string prefix, CancellationToken cancellationToken = default) => Inner.ListAsync(prefix, cancellationToken);

    public IAsyncEnumerable<IReadOnlyList<StoreEvent>> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default) =>
        Inner.WatchAsync(prefix, fromRevision, cancellationToken);

    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default) => Inner.GetRevisionAsync(cancellationToken);

    public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default) => Inner.CompactAsync(revision, cancellationToken);

    public ValueTask DisposeAsync() => Inner.DisposeAsync();
}
