using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;

namespace Nvo3.Nva.View;

/// <summary>
/// The NVA's watched copy of its store: every key, decoded once, at one revision, kept current
/// by the watch hub's pump (<see cref="Apply"/>). Look-ups, snapshots and the first attempt of
/// every decision read here instead of the store; a decision still commits with compare-and-swap
/// on the revisions it read, so a copy that lagged only costs a retry from the store.
/// </summary>
/// <remarks>
/// Point reads are lock-free (a concurrent dictionary). Changes, prefix lists and snapshots take
/// one lock, so a list or a snapshot is of one revision. <see cref="WaitForAsync"/> lets a reader
/// wait until the copy holds a revision: after a write this NVA acknowledged, its reads see it.
/// </remarks>
internal sealed partial class DirectoryCache : IRecordSource
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, Stored<object>> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);
    // NVE name → the keys of the bindings placed there: what a failover or an NVE's removal looks at.
    private readonly Dictionary<string, HashSet<string>> _bindingsByNve = new(StringComparer.Ordinal);
    // Redirects and leases by when they run out, so the leader's sweep looks only at those due.
    private readonly SortedSet<(long Ticks, string Key)> _expiries = [];
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private TaskCompletionSource _advanced = NewSignal();
    private long _revision;

    public DirectoryCache(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
    }

    /// <summary>The revision the copy holds.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    /// <summary>Replaces the whole copy with <paramref name="all"/> (a list of every key) and its revision.</summary>
    public void Load(StoreRange all)
    {
        lock (_lock)
        {
            _entries.Clear();
            _keys.Clear();
            _bindingsByNve.Clear();
            _expiries.Clear();
            foreach (var e in all.Entries)
            {
                if (TryDecode(e.Key, e.Value) is { } value)
                {
                    Put(e.Key, value, e.ModRevision);
                }
            }
            Interlocked.Exchange(ref _revision, all.Revision);
        }
        Signal();
    }

    /// <summary>
    /// Applies one transaction's events (all of one revision) and returns the record changes
    /// among them for the watchers, each with the VNI it concerns (0: everyone's).
    /// </summary>
    public List<Watch.PublishedChange> Apply(IReadOnlyList<StoreEvent> batch)
    {
        var changes = new List<Watch.PublishedChange>(batch.Count);
        lock (_lock)
        {
            foreach (var e in batch)
            {
                _entries.TryGetValue(e.Key, out var previous);
                object? value = null;
                if (e.Kind == StoreEventKind.Put)
                {
                    value = TryDecode(e.Key, e.Value!);
                    if (value is null)
                    {
                        continue;
                    }
                    Put(e.Key, value, e.Revision);
                }
                else
                {
                    Remove(e.Key, previous);
                }
                if (Watch.PublishedChange.From(e, value, previous?.Value) is { } change)
                {
                    changes.Add(change);
                }
            }
            if (batch.Count > 0 && batch[^1].Revision > _revision)
            {
                Interlocked.Exchange(ref _revision, batch[^1].Revision);
            }
        }
        Signal();
        return changes;
    }

    /// <summary>
    /// False while the watch that feeds the copy is broken (set by the hub's pump): then readers
    /// do not wait for it and read the store instead.
    /// </summary>
    public bool Following
    {
        get => Volatile.Read(ref _following);
        set
        {
            Volatile.Write(ref _following, value);
            if (!value)
            {
                Signal(); // waiters re-check, and go to the store
            }
        }
    }

    private bool _following = true;

    /// <summary>
    /// Waits until the copy holds <paramref name="revision"/>; false when the watch feeding it is
    /// broken (the pump says so at once) or has not got there within <see cref="Patience"/> (the
    /// store's own watch may be reconnecting): read the store instead.
    /// </summary>
    public async ValueTask<bool> WaitForAsync(long revision, CancellationToken cancellationToken)
    {
        long deadline = 0;
        while (true)
        {
            Task advanced = Volatile.Read(ref _advanced).Task;
            if (Revision >= revision)
            {
                return true;
            }
            if (!Following)
            {
                return false;
            }
            long now = _time.GetTimestamp();
            deadline = deadline == 0 ? now + (long)(Patience.TotalSeconds * _time.TimestampFrequency) : deadline;
            if (now >= deadline)
            {
                return false;
            }
            try
            {
                await advanced.WaitAsync(_time.GetElapsedTime(now, deadline), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return Revision >= revision;
            }
        }
    }

    /// <summary>How long a reader waits for the copy before it reads the store. 1 s.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public ValueTask<Stored<T>?> GetAsync<T>(string key, CancellationToken cancellationToken) where T : class =>
        ValueTask.FromResult(Get<T>(key));

    /// <summary>The value at <paramref name="key"/>, or null.</summary>
    public Stored<T>? Get<T>(string key) where T : class =>
        _entries.TryGetValue(key, out var entry) && entry.Value is T value ? new Stored<T>(key, value, entry.ModRevision) : null;

    /// <inheritdoc />
    public ValueTask<(IReadOnlyList<Stored<T>> Entries, long Revision)> ListAsync<T>(string prefix, CancellationToken cancellationToken) where T : class =>
        ValueTask.FromResult(List<T>(prefix));

    /// <summary>Every value of type <typeparamref name="T"/> under <paramref name="prefix"/>, in key order, and the revision they are at.</summary>
    public (IReadOnlyList<Stored<T>> Entries, long Revision) List<T>(string prefix) where T : class
    {
        lock (_lock)
        {
            return (ListLocked<T>(prefix), _revision);
        }
    }

    /// <summary>The bindings placed (associated or activated) at <paramref name="nve"/>.</summary>
    public IReadOnlyList<Stored<Binding>> BindingsAt(string nve)
    {
        lock (_lock)
        {
            if (!_bindingsByNve.TryGetValue(nve, out var keys))
            {
                return [];
            }
            return keys.Order(StringComparer.Ordinal).Select(Get<Binding>).OfType<Stored<Binding>>().ToList();
        }
    }

    /// <summary>The keys under <paramref name="prefix"/> (redirects, leases) whose expiry is at or before <paramref name="now"/>.</summary>
    public IReadOnlyList<string> Expired(string prefix, DateTimeOffset now)
    {
        lock (_lock)
        {
            return _expiries.GetViewBetween((long.MinValue, ""), (now.UtcTicks, "\uffff"))
                .Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(e => e.Key).ToList();
        }
    }

    private List<Stored<T>> ListLocked<T>(string prefix) where T : class
    {
        var list = new List<Stored<T>>();
        var keys = prefix.Length == 0 ? _keys : _keys.GetViewBetween(prefix, prefix + char.MaxValue);
        foreach (string key in keys)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Value is T value)
            {
                list.Add(new Stored<T>(key, value, entry.ModRevision));
            }
        }
        return list;
    }

    private void Put(string key, object value, long revision)
    {
        _entries.TryGetValue(key, out var previous);
        _entries[key] = new Stored<object>(key, value, revision);
        _keys.Add(key);
        Unindex(key, previous?.Value);
        if (ExpiryOf(value) is { } expires)
        {
            _expiries.Add((expires.UtcTicks, key));
        }
        if (value is Binding after)
        {
            foreach (var p in after.Placements)
            {
                if (!_bindingsByNve.TryGetValue(p.Nve, out var keys))
                {
                    _bindingsByNve[p.Nve] = keys = new HashSet<string>(StringComparer.Ordinal);
                }
                keys.Add(key);
            }
        }
    }

    private void Remove(string key, Stored<object>? previous)
    {
        _entries.TryRemove(key, out _);
        _keys.Remove(key);
        Unindex(key, previous?.Value);
    }

    private static DateTimeOffset? ExpiryOf(object? value) => value switch
    {
        Redirect r => r.Expires,
        NveLease l => l.Expires,
        _ => null,
    };

    private void Unindex(string key, object? value)
    {
        if (ExpiryOf(value) is { } expires)
        {
            _expiries.Remove((expires.UtcTicks, key));
        }
        if (value is not Binding binding)
        {
            return;
        }
        foreach (var p in binding.Placements)
        {
            if (_bindingsByNve.TryGetValue(p.Nve, out var keys) && keys.Remove(key) && keys.Count == 0)
            {
                _bindingsByNve.Remove(p.Nve);
            }
        }
    }

    private object? TryDecode(string key, byte[] value)
    {
        try
        {
            return RecordJson.DecodeAny(key, value);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
        {
            Log.Undecodable(_logger, key, ex.Message);
            return null;
        }
    }

    private void Signal()
    {
        var advanced = Interlocked.Exchange(ref _advanced, NewSignal());
        advanced.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Skipping the undecodable value at {Key}: {Reason}")]
        public static partial void Undecodable(ILogger logger, string key, string reason);
    }
}
