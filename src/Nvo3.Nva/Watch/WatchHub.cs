using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Hosting;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage;
using Nvo3.Nva.View;

namespace Nvo3.Nva.Watch;

/// <summary>
/// Follows the store with one watch and fans its changes out to every watching NVE. Each batch
/// first updates the NVA's watched copy (<see cref="DirectoryCache"/>, what look-ups and decisions
/// read), then goes into a ring of recent changes and to the subscribers it concerns: those of its
/// network (and those of every network), or everyone for an NVE change. A subscriber from a
/// revision the ring still holds is replayed from it, an older one gets a resync marker (take a
/// snapshot, watch from its revision + 1). A subscriber that falls more than its buffer behind is
/// cut off with a resync marker too, so a slow NVE never holds up the others or the NVA's memory.
/// </summary>
/// <remarks>
/// Each change's gRPC message is built once, by the first stream that sends it, and shared by every other. The pump
/// runs under a <see cref="SupervisedLoop"/>: a failed store watch is retried with back-off from
/// the revision the copy holds, logged once per burst, never left dead.
/// </remarks>
public sealed partial class WatchHub : IAsyncDisposable
{
    private readonly Authority _authority;
    private readonly DirectoryCache _cache;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly PublishedChange[] _ring;
    private readonly List<Subscription> _everything = [];
    private readonly List<Subscription> _filtered = [];
    private readonly Dictionary<uint, List<Subscription>> _byVni = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly int _subscriberBuffer;
    private int _ringCount;
    private int _ringNext;
    private long _baseRevision;
    private long _lastRevision;
    private Task? _pump;

    /// <summary>Creates a hub that keeps the last <paramref name="ringCapacity"/> changes.</summary>
    public WatchHub(Authority authority, int ringCapacity = 65_536, int subscriberBuffer = 65_536, ILoggerFactory? loggerFactory = null)
    {
        _authority = authority;
        _ring = new PublishedChange[ringCapacity];
        _subscriberBuffer = subscriberBuffer;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<WatchHub>();
        _cache = new DirectoryCache(authority.Time, loggerFactory.CreateLogger<DirectoryCache>());
        Loop = new SupervisedLoop("watch hub pump", authority.Time, _logger);
    }

    /// <summary>The supervisor of the pump, with its failure count.</summary>
    public SupervisedLoop Loop { get; }

    /// <summary>The NVA's watched copy of the store, which the pump keeps current.</summary>
    internal DirectoryCache View => _cache;

    /// <summary>The revision of the last change the hub has published.</summary>
    public long Revision
    {
        get
        {
            lock (_lock)
            {
                return _lastRevision;
            }
        }
    }

    /// <summary>Subscribers right now.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _everything.Count + _filtered.Count;
            }
        }
    }

    /// <summary>Loads the watched copy from the store, hands it to the authority, and starts following the store from its revision.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var all = await _authority.Store.ListAsync("", cancellationToken).ConfigureAwait(false);
        _cache.Load(all);
        lock (_lock)
        {
            _baseRevision = _lastRevision = all.Revision;
        }
        _authority.View = _cache;
        _pump = Task.Run(() => Loop.RunAsync(PumpAsync, _stop.Token), CancellationToken.None);
    }

    /// <summary>Subscribes to every network from <paramref name="fromRevision"/> (0: from now).</summary>
    public Subscription Subscribe(long fromRevision) => Subscribe(fromRevision, null);

    /// <summary>
    /// Subscribes from <paramref name="fromRevision"/> (0: from now) to the changes of
    /// <paramref name="vnis"/> (null or empty: every network) and of every NVE. The subscription
    /// first yields the kept changes with a revision ≥ it, or one <see cref="ChangeKind.Resync"/>
    /// when they are no longer kept.
    /// </summary>
    public Subscription Subscribe(long fromRevision, IReadOnlySet<uint>? vnis)
    {
        var subscription = new Subscription(this, fromRevision, vnis is { Count: > 0 } ? vnis : null, _subscriberBuffer);
        lock (_lock)
        {
            if (fromRevision > 0 && fromRevision <= _lastRevision)
            {
                long oldestComplete = _ringCount < _ring.Length ? _baseRevision + 1 : _ring[_ringNext].Revision + 1;
                if (fromRevision < oldestComplete)
                {
                    subscription.Overflow();
                    return subscription;
                }
                for (int i = 0; i < _ringCount; i++)
                {
                    var change = _ring[(_ringNext - _ringCount + i + _ring.Length) % _ring.Length];
                    if (change.Revision >= fromRevision && !subscription.Offer(change))
                    {
                        return subscription;
                    }
                }
            }
            Add(subscription);
        }
        return subscription;
    }

    internal void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            RemoveLocked(subscription);
        }
    }

    private void Add(Subscription subscription)
    {
        if (subscription.Vnis is not { } vnis)
        {
            _everything.Add(subscription);
            return;
        }
        _filtered.Add(subscription);
        foreach (uint vni in vnis)
        {
            if (!_byVni.TryGetValue(vni, out var list))
            {
                _byVni[vni] = list = [];
            }
            list.Add(subscription);
        }
    }

    private void RemoveLocked(Subscription subscription)
    {
        if (subscription.Vnis is not { } vnis)
        {
            _everything.Remove(subscription);
            return;
        }
        _filtered.Remove(subscription);
        foreach (uint vni in vnis)
        {
            if (_byVni.TryGetValue(vni, out var list) && list.Remove(subscription) && list.Count == 0)
            {
                _byVni.Remove(vni);
            }
        }
    }

    // One run of the store watch, from the revision after the one the copy holds. A compaction that
    // overtook the hub reloads the copy and resyncs every watcher; anything else ends the run, and
    // the supervisor starts another after a back-off.
    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var batch in _authority.Store.WatchAsync("", _cache.Revision + 1, cancellationToken).ConfigureAwait(false))
                {
                    var changes = _cache.Apply(batch);
                    Publish(changes, batch[^1].Revision);
                    Loop.Healthy();
                    _authority.Health.Succeeded();
                    _cache.Following = true;
                }
                return;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or RevisionCompactedException))
            {
                // Readers stop waiting for the copy and read the store until the watch is back.
                _cache.Following = false;
                _authority.Health.Failed();
                throw;
            }
            catch (RevisionCompactedException ex)
            {
                // Another writer compacted past us: everyone resyncs from a fresh snapshot.
                Log.HubResync(_logger, ex.Message);
                var all = await _authority.Store.ListAsync("", cancellationToken).ConfigureAwait(false);
                _cache.Load(all);
                ResetAll(all.Revision);
            }
        }
    }

    private void Publish(List<PublishedChange> changes, long revision)
    {
        List<Subscription>? cutOff = null;
        lock (_lock)
        {
            foreach (var change in changes)
            {
                _ring[_ringNext] = change;
                _ringNext = (_ringNext + 1) % _ring.Length;
                _ringCount = Math.Min(_ringCount + 1, _ring.Length);
                Deliver(change, _everything, ref cutOff);
                if (change.Vni == 0)
                {
                    Deliver(change, _filtered, ref cutOff);
                }
                else if (_byVni.TryGetValue(change.Vni, out var interested))
                {
                    Deliver(change, interested, ref cutOff);
                }
            }
            _lastRevision = Math.Max(_lastRevision, revision);
            foreach (var s in cutOff ?? [])
            {
                RemoveLocked(s);
                Log.SubscriberCutOff(_logger, _subscriberBuffer);
            }
        }
    }

    private static void Deliver(PublishedChange change, List<Subscription> subscribers, ref List<Subscription>? cutOff)
    {
        foreach (var s in subscribers)
        {
            if (!s.Offer(change))
            {
                (cutOff ??= []).Add(s);
            }
        }
    }

    private void ResetAll(long revision)
    {
        lock (_lock)
        {
            _ringCount = 0;
            _ringNext = 0;
            _baseRevision = _lastRevision = revision;
            foreach (var s in _everything.Concat(_filtered))
            {
                s.Overflow();
            }
            _everything.Clear();
            _filtered.Clear();
            _byVni.Clear();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }
        lock (_lock)
        {
            foreach (var s in _everything.Concat(_filtered))
            {
                s.Complete();
            }
            _everything.Clear();
            _filtered.Clear();
            _byVni.Clear();
        }
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The store's history was compacted past the watch hub; every watcher resyncs: {Reason}")]
        public static partial void HubResync(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Warning, "A watcher fell {Buffer} changes behind and was cut off; it resyncs")]
        public static partial void SubscriberCutOff(ILogger logger, int buffer);
    }
}
