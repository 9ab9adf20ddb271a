using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// Where remote bindings are (DESIGN 5, "Remote cache: push and pull"): in push mode every entry
/// follows the NVA's watch and never expires; in pull mode an entry is looked up on a miss and
/// refreshed once three quarters of its lifetime have passed (the expired answer stays in use
/// meanwhile, so packets keep flowing to the old NVE, whose redirect covers them). Either way an
/// entry it holds follows a move the watch reports at once: a packet goes the triangular way
/// through the old NVE only while it is truly in flight.
/// </summary>
internal sealed partial class RemoteResolver(
    string name,
    IDirectoryClient nva,
    Func<ForwardingTables> tables,
    EdgeClock clock,
    NveCounters counters,
    EdgeOptions options,
    ILogger logger,
    CancellationToken stop)
{
    // A short answer lifetime while a binding is activated nowhere, and a pause after a failed look-up.
    private static readonly TimeSpan s_retry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_failedRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_lookupTimeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), RemoteEntry> _entries = new();
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), PendingLookup> _lookups = new();

    /// <summary>Sends a packet that waited for its look-up (set by the host before traffic flows).</summary>
    public Action<NetworkTable, Packet, Peer>? Send { get; set; }

    /// <summary>Where each look-up's time is recorded (set by the host; null records nothing).</summary>
    public NveMetrics? Metrics { get; set; }

    /// <summary>How many entries it holds (for metrics: takes the map's locks, so never on the data path).</summary>
    public int Count => _entries.Count;

    /// <summary>How many look-ups are waiting on the NVA (for metrics, as <see cref="Count"/>).</summary>
    public int PendingCount => _lookups.Count;

    /// <summary>Every entry.</summary>
    public IEnumerable<KeyValuePair<(uint Vni, MacAddress Mac), RemoteEntry>> All => _entries;

    /// <summary>The entry of (<paramref name="vni"/>, <paramref name="mac"/>), if any.</summary>
    public RemoteEntry? Get(uint vni, MacAddress mac) => _entries.GetValueOrDefault((vni, mac));

    /// <summary>
    /// The NVE that hosts (<paramref name="vni"/>, <paramref name="mac"/>), if known. A pull-mode
    /// entry past its time starts a refresh and is used until the refresh answers.
    /// </summary>
    public bool TryResolve(uint vni, MacAddress mac, out Peer peer)
    {
        if (_entries.TryGetValue((vni, mac), out var entry))
        {
            if (entry.ExpiresTicks < clock.Now && entry.TryStartRefresh())
            {
                _ = RefreshAsync(entry, vni, mac);
            }
            if (entry.Peer is { } known)
            {
                peer = known;
                return true;
            }
        }
        peer = null!;
        return false;
    }

    /// <summary>A binding's new place from the directory: push mode takes it; either mode updates an entry it holds.</summary>
    public void Follow(uint vni, MacAddress mac, Peer? activeAt)
    {
        if (activeAt is null)
        {
            return; // active nowhere, mid-move: keep what we have; the redirect covers it
        }
        long now = clock.Now;
        if (options.Mode == UpdateMode.Push)
        {
            var entry = _entries.GetOrAdd((vni, mac), static (_, state) => new RemoteEntry(state.activeAt, long.MaxValue, state.now), (activeAt, now));
            entry.Update(activeAt, long.MaxValue, now);
        }
        else if (_entries.TryGetValue((vni, mac), out var entry) && entry.Peer?.Name != activeAt.Name)
        {
            entry.Update(activeAt, entry.ExpiresTicks, now);
        }
    }

    /// <summary>The NVEs were registered again: entries point at the peers' current records (an NVE back on a new address).</summary>
    public void Rebind(PeerTable peers)
    {
        foreach (var (_, entry) in _entries)
        {
            if (entry.Peer is { } old && peers.ByName(old.Name) is { } fresh && !ReferenceEquals(old, fresh))
            {
                entry.Update(fresh, entry.ExpiresTicks, entry.ChangedTicks);
            }
        }
    }

    /// <summary>Forgets (<paramref name="vni"/>, <paramref name="mac"/>): it was removed, or it runs here now.</summary>
    public void Forget(uint vni, MacAddress mac) => _entries.TryRemove((vni, mac), out _);

    /// <summary>A miss: holds a copy of the packet (bounded) and asks the NVA; never guesses, never floods.</summary>
    public void Queue(NetworkTable network, MacAddress mac, in Packet packet)
    {
        var key = (network.Vni, mac);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var pending = _lookups.GetOrAdd(key, static (_, limit) => new PendingLookup(limit), options.LookupQueueFrames);
            switch (pending.TryAdd(packet.Span))
            {
                case PendingLookup.Added.Yes:
                    if (pending.TryStart())
                    {
                        _ = LookupAndFlushAsync(pending, network.Vni, mac);
                    }
                    return;
                case PendingLookup.Added.Full:
                    counters.AddDrop(DropReason.LookupFailed);
                    return;
                default:
                    // That look-up just answered: its entry exists now (or it failed and a new one starts).
                    if (TryResolve(network.Vni, mac, out var peer))
                    {
                        Send?.Invoke(network, packet, peer);
                        return;
                    }
                    break;
            }
        }
        counters.AddDrop(DropReason.LookupFailed);
    }

    // Pull mode refreshes an answer when three quarters of its lifetime have passed, so a fresh one
    // is usually in hand before the old one runs out, even when the NVA answers slowly.
    private long RefreshAt(TimeSpan lifetime) =>
        options.Mode == UpdateMode.Push ? long.MaxValue : clock.Now + clock.TicksFor(lifetime * 0.75);

    private async Task<LookupResult> LookUpAsync(uint vni, MacAddress mac)
    {
        counters.AddLookup();
        long started = clock.Now;
        string outcome = "failed";
        try
        {
            using var timeout = new CancellationTokenSource(s_lookupTimeout, clock.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stop);
            var result = await nva.LookupByMacAsync(vni, mac, name, linked.Token).ConfigureAwait(false);
            outcome = result.Found ? "found" : "not_found";
            return result;
        }
        finally
        {
            Metrics?.RecordLookup(clock.Time.GetElapsedTime(started), outcome);
        }
    }

    private async Task RefreshAsync(RemoteEntry entry, uint vni, MacAddress mac)
    {
        try
        {
            var result = await LookUpAsync(vni, mac).ConfigureAwait(false);
            if (!result.Found)
            {
                _entries.TryRemove((vni, mac), out _);
                return;
            }
            var peer = result.Host?.Name == name ? null : tables().Peers.ByName(result.Host?.Name);
            entry.Update(peer ?? entry.Peer, peer is null ? clock.Now + clock.TicksFor(s_retry) : RefreshAt(result.Lifetime), clock.Now);
        }
        catch (Exception ex) when (ex is NvaException or OperationCanceledException)
        {
            // Keep forwarding with what we have; ask again a little later.
            entry.Update(entry.Peer, clock.Now + clock.TicksFor(s_failedRetry), clock.Now);
        }
        finally
        {
            entry.EndRefresh();
        }
    }

    private async Task LookupAndFlushAsync(PendingLookup pending, uint vni, MacAddress mac)
    {
        Peer? peer = null;
        bool failed = false; // the NVA did not answer, or named an NVE this one does not know
        try
        {
            var result = await LookUpAsync(vni, mac).ConfigureAwait(false);
            if (result.Host is { } host && host.Name != name)
            {
                peer = tables().Peers.ByName(host.Name);
                if (peer is not null)
                {
                    // The entry first, then close the queue: a packet that finds the queue closed finds the entry.
                    long expires = RefreshAt(result.Lifetime);
                    var entry = _entries.GetOrAdd((vni, mac), static (_, state) => new RemoteEntry(state.peer, state.expires, state.now), (peer, expires, now: clock.Now));
                    entry.Update(peer, expires, clock.Now);
                }
            }
            failed = result.Found && peer is null;
        }
        catch (Exception ex) when (ex is NvaException or OperationCanceledException)
        {
            failed = true;
            Log.LookupFailed(logger, name, mac, vni, ex.Message);
        }
        _lookups.TryRemove((vni, mac), out _);
        var network = tables().Network(vni);
        foreach (var (buffer, length) in pending.Close())
        {
            if (peer is not null && network is not null && Send is { } send)
            {
                send(network, new Packet(buffer, PendingLookup.Headroom, length), peer);
            }
            else
            {
                counters.AddDrop(failed ? DropReason.LookupFailed : DropReason.UnknownDestination);
            }
            PendingLookup.Return(buffer);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Debug, "NVE {Name}: look-up of {Mac} (VNI {Vni}) failed: {Reason}")]
        public static partial void LookupFailed(ILogger logger, string name, MacAddress mac, uint vni, string reason);
    }
}
