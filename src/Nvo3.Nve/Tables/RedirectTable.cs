using System.Collections.Concurrent;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The redirects this NVE runs for bindings that left, and the destinations it was told of in
/// advance (prepared, not yet forwarding). The data path only reads; the pause, the directory
/// and the housekeeping write.
/// </summary>
internal sealed class RedirectTable(EdgeClock clock)
{
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), RedirectEntry> _active = new();
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), Peer> _prepared = new();

    /// <summary>How many run now.</summary>
    public int Count => _active.Count;

    /// <summary>Every running redirect.</summary>
    public IEnumerable<KeyValuePair<(uint Vni, MacAddress Mac), RedirectEntry>> All => _active;

    /// <summary>The redirect of (<paramref name="vni"/>, <paramref name="mac"/>), if one runs.</summary>
    public bool TryGet(uint vni, MacAddress mac, out RedirectEntry entry) => _active.TryGetValue((vni, mac), out entry!);

    /// <summary>The destination the directory named ahead of the move, if any.</summary>
    public Peer? Prepared(uint vni, MacAddress mac) => _prepared.GetValueOrDefault((vni, mac));

    /// <summary>Remembers where a binding will go (step 2 of a hot move).</summary>
    public void Prepare(uint vni, MacAddress mac, Peer target) => _prepared[(vni, mac)] = target;

    /// <summary>
    /// The workload paused here: forward from now to <paramref name="target"/> for at most
    /// <paramref name="hold"/> unless the activation times it sooner.
    /// </summary>
    public void StartPaused(uint vni, MacAddress mac, Peer target, TimeSpan hold)
    {
        long now = clock.Now;
        _active[(vni, mac)] = new RedirectEntry(target, now, now + clock.TicksFor(hold), timed: false);
    }

    /// <summary>
    /// The binding is active at <paramref name="target"/> now and the directory says how long to
    /// keep forwarding: the hold runs from this instant on this NVE's clock. A redirect already
    /// timed for the same target keeps its time (the directory repeats itself on a resync).
    /// </summary>
    public void StartTimed(uint vni, MacAddress mac, Peer target, TimeSpan hold)
    {
        if (_active.TryGetValue((vni, mac), out var running) && running.Timed && running.Target.Name == target.Name)
        {
            return;
        }
        long now = clock.Now;
        _active[(vni, mac)] = new RedirectEntry(target, now, now + clock.TicksFor(hold), timed: true);
    }

    /// <summary>The NVEs were registered again: redirects and prepared destinations point at the peers' current records.</summary>
    public void Rebind(PeerTable peers)
    {
        foreach (var (key, entry) in _active)
        {
            if (peers.ByName(entry.Target.Name) is { } fresh && !ReferenceEquals(fresh, entry.Target))
            {
                _active.TryUpdate(key, entry.Retarget(fresh), entry);
            }
        }
        foreach (var (key, target) in _prepared)
        {
            if (peers.ByName(target.Name) is { } fresh && !ReferenceEquals(fresh, target))
            {
                _prepared.TryUpdate(key, fresh, target);
            }
        }
    }

    /// <summary>The binding is active here (again): packets for it are delivered, not redirected. What the directory prepared stays.</summary>
    public void End(uint vni, MacAddress mac) => _active.TryRemove((vni, mac), out _);

    /// <summary>A move given up before its switchover: no redirect, nothing prepared.</summary>
    public void Remove(uint vni, MacAddress mac)
    {
        _active.TryRemove((vni, mac), out _);
        _prepared.TryRemove((vni, mac), out _);
    }

    /// <summary>
    /// The directory removed its record: an untimed redirect goes (the move was given up); a timed
    /// one ends on its own clock, so packets still arriving are not cut off by the NVA's sweep.
    /// </summary>
    public void Forget(uint vni, MacAddress mac)
    {
        _prepared.TryRemove((vni, mac), out _);
        if (_active.TryGetValue((vni, mac), out var entry) && !entry.Timed)
        {
            _active.TryRemove(new KeyValuePair<(uint, MacAddress), RedirectEntry>((vni, mac), entry));
        }
    }

    /// <summary>
    /// Ends every redirect whose time has passed and that no packet took for <paramref name="idle"/>,
    /// and every one past its time by more than <paramref name="maxExtension"/>; returns how many.
    /// </summary>
    public int Expire(TimeSpan idle, TimeSpan maxExtension)
    {
        long now = clock.Now;
        long idleTicks = clock.TicksFor(idle);
        long extensionTicks = clock.TicksFor(maxExtension);
        int ended = 0;
        foreach (var (key, entry) in _active)
        {
            bool quiet = now - entry.LastUsedTicks >= idleTicks;
            if (now >= entry.ExpiresTicks && (quiet || now - entry.ExpiresTicks >= extensionTicks)
                && _active.TryRemove(new KeyValuePair<(uint, MacAddress), RedirectEntry>(key, entry)))
            {
                ended++;
            }
        }
        return ended;
    }
}
