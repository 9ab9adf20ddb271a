using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;

namespace Nvo3.Nva.Watch;

/// <summary>
/// Fans the store's changes out to every watching NVE. One store watch feeds a ring of recent
/// changes; a subscriber from a revision the ring still holds is replayed from it, an older one
/// gets a resync marker (take a snapshot, watch from its revision + 1). A subscriber that falls
/// more than its buffer behind is cut off with a resync marker too, so a slow NVE never holds up
/// the others or the NVA's memory.
/// </summary>
public sealed partial class WatchHub : IAsyncDisposable
{
    private readonly Authority _authority;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly DirectoryChange[] _ring;
    private readonly List<Subscription> _subscribers = [];
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
        _ring = new DirectoryChange[ringCapacity];
        _subscriberBuffer = subscriberBuffer;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<WatchHub>();
    }

    /// <summary>The revision of the last change the hub has seen.</summary>
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
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Starts following the store from its current revision.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        long revision = await _authority.Store.GetRevisionAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _baseRevision = _lastRevision = revision;
        }
        _pump = Task.Run(() => PumpAsync(revision + 1, _stop.Token), CancellationToken.None);
    }

    /// <summary>
    /// Subscribes from <paramref name="fromRevision"/> (0: from now). The subscription first yields
    /// the kept changes with a revision ≥ it, or one <see cref="ChangeKind.Resync"/> when they are
    /// no longer kept.
    /// </summary>
    public Subscription Subscribe(long fromRevision)
    {
        var subscription = new Subscription(this, fromRevision, _subscriberBuffer);
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
            _subscribers.Add(subscription);
        }
        return subscription;
    }

    internal void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            _subscribers.Remove(subscription);
        }
    }

    private async Task PumpAsync(long from, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var batch in _authority.Store.WatchAsync("", from, cancellationToken).ConfigureAwait(false))
                {
                    var changes = new List<DirectoryChange>(batch.Count);
                    foreach (var e in batch)
                    {
                        if (Decode(e, _logger) is { } change)
                        {
                            changes.Add(change);
                        }
                        from = e.Revision + 1;
                    }
                    Publish(changes, from - 1);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RevisionCompactedException ex)
            {
                // Another writer compacted past us: everyone resyncs from a fresh snapshot.
                Log.HubResync(_logger, ex.Message);
                long revision = await _authority.Store.GetRevisionAsync(cancellationToken).ConfigureAwait(false);
                ResetAll(revision);
                from = revision + 1;
            }
            catch (Exception ex)
            {
                Log.PumpFailed(_logger, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Publish(List<DirectoryChange> changes, long revision)
    {
        lock (_lock)
        {
            foreach (var change in changes)
            {
                _ring[_ringNext] = change;
                _ringNext = (_ringNext + 1) % _ring.Length;
                _ringCount = Math.Min(_ringCount + 1, _ring.Length);
            }
            _lastRevision = Math.Max(_lastRevision, revision);
            for (int i = _subscribers.Count - 1; i >= 0; i--)
            {
                var s = _subscribers[i];
                foreach (var change in changes)
                {
                    if (!s.Offer(change))
                    {
                        _subscribers.RemoveAt(i);
                        Log.SubscriberCutOff(_logger, _subscriberBuffer);
                        break;
                    }
                }
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
            foreach (var s in _subscribers)
            {
                s.Overflow();
            }
            _subscribers.Clear();
        }
    }

    /// <summary>Turns a store event into a directory change; null for index keys and undecodable values (logged).</summary>
    internal static DirectoryChange? Decode(StoreEvent e, ILogger logger)
    {
        var kind = Authority.RecordKind(e.Key);
        if (kind == ChangeKind.None)
        {
            return null;
        }
        try
        {
            if (e.Kind == StoreEventKind.Delete)
            {
                // Each ...Deleted kind follows its ...Put kind.
                var deleted = new DirectoryChange(e.Revision, kind + 1, e.Key);
                return kind switch
                {
                    ChangeKind.BindingPut when Keys.TryParseBinding(e.Key, out uint vni, out var mac) => deleted with { Vni = vni, Mac = mac },
                    ChangeKind.RedirectPut when Keys.TryParseRedirect(e.Key, out uint vni, out var mac, out string old) => deleted with { Vni = vni, Mac = mac, Name = old },
                    ChangeKind.NetworkPut when Keys.TryParseNetwork(e.Key, out uint vni) => deleted with { Vni = vni },
                    ChangeKind.NvePut => deleted with { Name = e.Key[Keys.Nves.Length..] },
                    ChangeKind.MigrationPut => deleted with { Name = e.Key[Keys.Migrations.Length..] },
                    _ => deleted,
                };
            }
            byte[] v = e.Value!;
            return kind switch
            {
                ChangeKind.NetworkPut => new DirectoryChange(e.Revision, kind, e.Key, Network: RecordJson.Decode<VirtualNetwork>(v)),
                ChangeKind.NvePut => new DirectoryChange(e.Revision, kind, e.Key, Nve: RecordJson.Decode<NveRecord>(v)),
                ChangeKind.BindingPut => new DirectoryChange(e.Revision, kind, e.Key, Binding: RecordJson.Decode<Binding>(v)),
                ChangeKind.RedirectPut => new DirectoryChange(e.Revision, kind, e.Key, Redirect: RecordJson.Decode<Redirect>(v)),
                ChangeKind.MigrationPut => new DirectoryChange(e.Revision, kind, e.Key, Migration: RecordJson.Decode<Migration>(v)),
                _ => null,
            };
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
        {
            Log.Undecodable(logger, e.Key, ex.Message);
            return null;
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
            foreach (var s in _subscribers)
            {
                s.Complete();
            }
            _subscribers.Clear();
        }
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The store's history was compacted past the watch hub; every watcher resyncs: {Reason}")]
        public static partial void HubResync(ILogger logger, string reason);

        [LoggerMessage(2, LogLevel.Error, "The store watch failed; retrying")]
        public static partial void PumpFailed(ILogger logger, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "A watcher fell {Buffer} changes behind and was cut off; it resyncs")]
        public static partial void SubscriberCutOff(ILogger logger, int buffer);

        [LoggerMessage(4, LogLevel.Error, "Skipping the undecodable record at {Key}: {Reason}")]
        public static partial void Undecodable(ILogger logger, string key, string reason);
    }
}
