using Nvo3.Nva.Storage;

namespace Nvo3.Nva.Tests.Support;

/// <summary>
/// A store that passes everything to another and lets a test misbehave on purpose: report a commit
/// as failed after applying it (what a retried etcd transaction whose first answer was lost
/// reports), break watches, count reads, or outlive the servers it is handed to.
/// </summary>
internal sealed class StoreWrapper(IDirectoryStore inner) : IDirectoryStore
{
    private int _watchFailures;
    private int _commitFailures;
    private long _reads;

    /// <summary>Commits for which this returns true are applied, then reported as failed compares.</summary>
    public Func<StoreTransaction, bool>? LoseAnswer { get; set; }

    /// <summary>When true, disposing does nothing (several servers share the store; the test disposes <see cref="Inner"/>).</summary>
    public bool Shared { get; init; }

    /// <summary>The wrapped store.</summary>
    public IDirectoryStore Inner => inner;

    /// <summary>Point reads and lists so far.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>The next <paramref name="count"/> commits that write something throw <see cref="IOException"/>, unapplied (the store unreachable).</summary>
    public void FailCommits(int count) => Interlocked.Exchange(ref _commitFailures, count);

    /// <summary>The next <paramref name="count"/> watches throw at their first step.</summary>
    public void BreakWatches(int count) => Interlocked.Exchange(ref _watchFailures, count);

    /// <summary>Signalled each time a watch was broken on purpose.</summary>
    public event Action? WatchBroken;

    public string Description => "wrapped " + inner.Description;

    public ValueTask<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return inner.GetAsync(key, cancellationToken);
    }

    public ValueTask<StoreRange> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return inner.ListAsync(prefix, cancellationToken);
    }

    public async ValueTask<StoreCommit> CommitAsync(StoreTransaction transaction, CancellationToken cancellationToken = default)
    {
        if (transaction.Operations.Count > 0 && Interlocked.Decrement(ref _commitFailures) >= 0)
        {
            throw new IOException("The store is unreachable (on purpose).");
        }
        var commit = await inner.CommitAsync(transaction, cancellationToken);
        return commit.Succeeded && LoseAnswer?.Invoke(transaction) == true ? new StoreCommit(false, commit.Revision) : commit;
    }

    public IAsyncEnumerable<IReadOnlyList<StoreEvent>> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Decrement(ref _watchFailures) >= 0)
        {
            WatchBroken?.Invoke();
            throw new IOException("The store's watch broke (on purpose).");
        }
        return inner.WatchAsync(prefix, fromRevision, cancellationToken);
    }

    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default) => inner.GetRevisionAsync(cancellationToken);

    public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

    public ValueTask DisposeAsync() => Shared ? ValueTask.CompletedTask : inner.DisposeAsync();
}
