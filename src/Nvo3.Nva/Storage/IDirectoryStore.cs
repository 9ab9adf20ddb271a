namespace Nvo3.Nva.Storage;

/// <summary>
/// The NVA's storage: a revisioned key-value store with compare-and-swap transactions and a watch
/// from any revision not yet compacted. The three backends (<c>memory</c>, <c>sqlite:PATH</c>,
/// <c>etcd:URL[,URL…]</c>) share these semantics, which are etcd's: every committed transaction
/// gets the next revision of the whole store; each key remembers the revision that created it and
/// the one that last changed it; a watch from revision R delivers, in order, every change with a
/// revision ≥ R, or fails with <see cref="RevisionCompactedException"/> when R is older than what
/// the store kept.
/// </summary>
public interface IDirectoryStore : IAsyncDisposable
{
    /// <summary>How the store was opened ("memory", "sqlite:/var/lib/nvo3/nva.db", "etcd:http://…").</summary>
    string Description { get; }

    /// <summary>Reads one key; null when absent.</summary>
    ValueTask<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads every key that starts with <paramref name="prefix"/>, in key order, and the store revision of that read.</summary>
    ValueTask<StoreRange> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits a transaction: when every compare holds, applies its operations atomically under one
    /// new revision and returns it; otherwise changes nothing and returns
    /// <see cref="StoreCommit.Succeeded"/> false. Acknowledged commits are durable in the durable
    /// backends (they survive a kill -9 of the process).
    /// </summary>
    ValueTask<StoreCommit> CommitAsync(StoreTransaction transaction, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams, in revision order, every change to keys under <paramref name="prefix"/> with a
    /// revision ≥ <paramref name="fromRevision"/> (or, when it is 0, changes after the current
    /// revision), then live changes until cancelled. Events of one
    /// transaction come in one batch. Throws <see cref="RevisionCompactedException"/> (at the first
    /// move of the enumerator) when <paramref name="fromRevision"/> has been compacted away.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<StoreEvent>> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default);

    /// <summary>The revision of the last committed transaction (0 for an empty store).</summary>
    ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Discards the change history up to and including <paramref name="revision"/>: a later watch
    /// from a revision ≤ it fails with <see cref="RevisionCompactedException"/>. Current values stay.
    /// </summary>
    ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default);
}
