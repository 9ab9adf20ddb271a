using System.Runtime.CompilerServices;

namespace Nvo3.Nva.Storage.Memory;

/// <summary>
/// The in-memory store, for tests and the embedded lab: the same semantics as the durable ones,
/// nothing survives the process. One lock guards the data, the history and the watcher list;
/// watchers get their own unbounded channels so a slow reader never blocks a writer.
/// </summary>
public sealed class MemoryStore : IDirectoryStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, StoreEntry> _data = new(StringComparer.Ordinal);
    private readonly List<IReadOnlyList<StoreEvent>> _history = [];
    private readonly List<PrefixWatcher> _watchers = [];
    private readonly int _maxHistory;
    private long _revision;
    private long _compacted;

    /// <summary>Creates an empty store that keeps the last <paramref name="maxHistory"/> revisions of history.</summary>
    public MemoryStore(int maxHistory = 100_000) => _maxHistory = maxHistory;

    /// <inheritdoc />
    public string Description => "memory";

    /// <inheritdoc />
    public ValueTask<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_data.GetValueOrDefault(key));
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreRange> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var entries = _data.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(kv => kv.Value).ToList();
            return ValueTask.FromResult(new StoreRange(entries, _revision));
        }
    }

    /// <inheritdoc />
    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_revision);
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreCommit> CommitAsync(StoreTransaction transaction, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var compare in transaction.Compares)
            {
                long actual = _data.TryGetValue(compare.Key, out var e) ? e.ModRevision : 0;
                if (actual != compare.ModRevision)
                {
                    return ValueTask.FromResult(new StoreCommit(false, _revision));
                }
            }
            if (transaction.Operations.Count == 0)
            {
                return ValueTask.FromResult(new StoreCommit(true, _revision));
            }
            long revision = ++_revision;
            var events = new List<StoreEvent>(transaction.Operations.Count);
            foreach (var op in transaction.Operations)
            {
                if (op.Value is { } value)
                {
                    var previous = _data.GetValueOrDefault(op.Key);
                    _data[op.Key] = new StoreEntry(op.Key, value, previous?.CreateRevision ?? revision, revision, (previous?.Version ?? 0) + 1);
                    events.Add(new StoreEvent(StoreEventKind.Put, op.Key, value, revision));
                }
                else if (_data.Remove(op.Key))
                {
                    events.Add(new StoreEvent(StoreEventKind.Delete, op.Key, null, revision));
                }
            }
            if (events.Count == 0)
            {
                // Deletes of absent keys change nothing, and like etcd take no revision.
                _revision--;
                return ValueTask.FromResult(new StoreCommit(true, _revision));
            }
            _history.Add(events);
            if (_history.Count > _maxHistory)
            {
                int drop = _history.Count - _maxHistory;
                _compacted = _history[drop - 1][0].Revision;
                _history.RemoveRange(0, drop);
            }
            foreach (var watcher in _watchers)
            {
                watcher.Offer(events);
            }
            return ValueTask.FromResult(new StoreCommit(true, revision));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<IReadOnlyList<StoreEvent>> WatchAsync(string prefix, long fromRevision,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        PrefixWatcher watcher;
        List<IReadOnlyList<StoreEvent>> backlog = [];
        lock (_lock)
        {
            if (fromRevision > 0 && fromRevision <= _compacted)
            {
                throw new RevisionCompactedException(fromRevision, _compacted);
            }
            foreach (var batch in _history)
            {
                if (batch[0].Revision >= fromRevision && fromRevision > 0)
                {
                    var filtered = PrefixWatcher.Filter(batch, prefix);
                    if (filtered.Count > 0)
                    {
                        backlog.Add(filtered);
                    }
                }
            }
            watcher = new PrefixWatcher(prefix);
            _watchers.Add(watcher);
        }
        try
        {
            foreach (var batch in backlog)
            {
                yield return batch;
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

    /// <inheritdoc />
    public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            revision = Math.Min(revision, _revision);
            if (revision > _compacted)
            {
                _history.RemoveAll(batch => batch[0].Revision <= revision);
                _compacted = revision;
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Channel.Writer.TryComplete();
            }
        }
        return ValueTask.CompletedTask;
    }
}
