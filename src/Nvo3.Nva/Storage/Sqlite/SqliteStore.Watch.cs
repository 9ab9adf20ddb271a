using System.Runtime.CompilerServices;

namespace Nvo3.Nva.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>How many revisions of log one read takes under the lock, so a long replay never stalls commits for long.</summary>
    private const int ReplayPageRevisions = 1000;

    /// <inheritdoc />
    /// <remarks>
    /// The watch registers for live notifications and notes the current revision in one step under
    /// the lock, then replays the log up to that revision page by page, then streams the live
    /// batches: no change is missed or seen twice. Should automatic compaction overtake a replay
    /// that is still running, the enumerator throws <see cref="RevisionCompactedException"/> there.
    /// </remarks>
    public async IAsyncEnumerable<IReadOnlyList<StoreEvent>> WatchAsync(string prefix, long fromRevision,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(fromRevision);
        var watcher = new PrefixWatcher(prefix);
        long replayTo;
        long next;
        lock (_lock)
        {
            ThrowIfDisposed();
            if (fromRevision > 0 && fromRevision <= _compacted)
            {
                throw new RevisionCompactedException(fromRevision, _compacted);
            }
            replayTo = _revision;
            next = fromRevision == 0 ? replayTo + 1 : fromRevision;
            _watchers.Add(watcher);
        }
        try
        {
            while (next <= replayTo)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long to = Math.Min(replayTo, next + ReplayPageRevisions - 1);
                var page = ReadLog(next, to, prefix);
                next = to + 1;
                foreach (var batch in page)
                {
                    yield return batch;
                }
            }
            await foreach (var batch in watcher.Channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // A watch from a future revision waits for it, as etcd's does.
                if (batch[0].Revision >= fromRevision)
                {
                    yield return batch;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    /// <summary>The log's batches for revisions <paramref name="from"/> to <paramref name="to"/> under <paramref name="prefix"/>; none once the store is disposed.</summary>
    private List<IReadOnlyList<StoreEvent>> ReadLog(long from, long to, string prefix)
    {
        try
        {
            return Read(reader => reader.Changes(from, to, prefix));
        }
        catch (ObjectDisposedException)
        {
            // Disposing the store ends its watches quietly.
            return [];
        }
    }
}
