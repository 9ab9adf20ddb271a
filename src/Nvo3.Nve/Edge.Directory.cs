using System.Buffers;
using System.Collections.Concurrent;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    private readonly ConcurrentDictionary<(uint Vni, IpAddr Ip), MacAddress> _ipIndex = new();
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), RemoteEntry> _remote = new();
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), RedirectEntry> _redirects = new();
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), Peer> _prepared = new();
    private readonly ConcurrentDictionary<uint, Peer[]> _members = new();
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), PendingLookup> _lookups = new();

    // A short answer lifetime while a binding is Activated nowhere, and a pause after a failed look-up.
    private static readonly TimeSpan s_retry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_lookupTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Where this NVE currently sends traffic for a remote MAC, if it knows.</summary>
    public RemoteEntry? GetRemote(uint vni, MacAddress mac) => _remote.GetValueOrDefault((vni, mac));

    /// <summary>The redirect this NVE runs for a MAC that left, if any.</summary>
    public RedirectEntry? GetRedirect(uint vni, MacAddress mac) => _redirects.GetValueOrDefault((vni, mac));

    private void OnDirectoryChange(DirectoryChange change)
    {
        switch (change.Kind)
        {
            case ChangeKind.Resync:
                Rebuild();
                break;
            case ChangeKind.NvePut:
            case ChangeKind.NveDeleted:
                RebuildPeers();
                RebuildMembers(null);
                break;
            case ChangeKind.BindingPut:
                OnBinding(change.Binding!);
                break;
            case ChangeKind.BindingDeleted:
                OnBindingDeleted(change.Vni, change.Mac);
                break;
            case ChangeKind.RedirectPut:
                OnRedirect(change.Redirect!);
                break;
            case ChangeKind.RedirectDeleted:
                if (change.Name == Name)
                {
                    _redirects.TryRemove((change.Vni, change.Mac), out _);
                    _prepared.TryRemove((change.Vni, change.Mac), out _);
                }
                break;
            default:
                break;
        }
    }

    private void Rebuild()
    {
        RebuildPeers();
        _ipIndex.Clear();
        foreach (var binding in _view.Bindings.Values)
        {
            OnBinding(binding, rebuildMembers: false);
        }
        foreach (var key in _ipIndex.Keys)
        {
            if (!_view.Bindings.ContainsKey((key.Vni, _ipIndex[key])))
            {
                _ipIndex.TryRemove(key, out _);
            }
        }
        foreach (var redirect in _view.Redirects.Values)
        {
            OnRedirect(redirect);
        }
        RebuildMembers(null);
    }

    private void RebuildPeers()
    {
        _peers = new PeerTable(_view.Nves.Values);
        _self = _peers.ByName(Name);
    }

    private void OnBinding(Binding binding, bool rebuildMembers = true)
    {
        var key = (binding.Vni, binding.Mac);
        foreach (var ip in binding.Ips)
        {
            _ipIndex[(binding.Vni, ip)] = binding.Mac;
        }
        if (_portsByKey.TryGetValue(key, out var local))
        {
            ApplyPlacement(local, binding);
        }
        string? active = binding.ActiveNve;
        if (active == Name)
        {
            _redirects.TryRemove(key, out _);
            _remote.TryRemove(key, out _);
        }
        else if (Options.Mode == UpdateMode.Push && _peers.ByName(active) is { } peer)
        {
            // Push: follow the move at once; the entry never expires on its own.
            var entry = _remote.GetOrAdd(key, static (_, state) => new RemoteEntry(state.peer, long.MaxValue, state.now), (peer, now: Now));
            entry.Update(peer, long.MaxValue, Now);
        }
        if (rebuildMembers)
        {
            RebuildMembers(binding.Vni);
        }
    }

    private void OnBindingDeleted(uint vni, MacAddress mac)
    {
        foreach (var key in _ipIndex.Where(kv => kv.Key.Vni == vni && kv.Value == mac).Select(kv => kv.Key).ToList())
        {
            _ipIndex.TryRemove(key, out _);
        }
        _remote.TryRemove((vni, mac), out _);
        if (_portsByKey.TryGetValue((vni, mac), out var local) && local.State != PortState.Paused)
        {
            SetLearning(local);
        }
        RebuildMembers(vni);
    }

    private void OnRedirect(Redirect redirect)
    {
        if (redirect.OldNve != Name || _peers.ByName(redirect.NewNve) is not { } target)
        {
            return;
        }
        var key = (redirect.Vni, redirect.Mac);
        _prepared[key] = target;
        if (redirect.Active && Options.InflightForwarding)
        {
            long expires = redirect.Expires is { } at
                ? Now + TicksFor(at - _time.GetUtcNow())
                : Now + TicksFor(Options.LocalRedirectHold);
            _redirects[key] = new RedirectEntry(target, expires);
        }
    }

    // The directory says where the binding is; the port follows (RFC 8394 states).
    private void ApplyPlacement(LocalPort local, Binding binding)
    {
        lock (local.Gate)
        {
            // The attach and the watch may both apply; never an older record after a newer one.
            if (binding.Updated < local.AppliedUpdate)
            {
                return;
            }
            local.AppliedUpdate = binding.Updated;
        }
        local.Ips = [.. binding.Ips];
        var here = binding.At(Name);
        if (here?.State == PlacementState.Activated)
        {
            if (local.State is PortState.Learning or PortState.Pending)
            {
                ActivateLocally(local, binding.LastTrigger);
            }
            return;
        }
        if (binding.ActiveNve is { } elsewhere && local.State == PortState.Active)
        {
            // It is active at another NVE now: what is still here is not it (or it left unplanned).
            Log.Left(_logger, Name, local.Mac, local.Vni, elsewhere);
            SetLearning(local);
            return;
        }
        if (here?.State == PlacementState.Associated && local.State == PortState.Learning)
        {
            lock (local.Gate)
            {
                if (local.State == PortState.Learning)
                {
                    local.State = PortState.Pending;
                }
            }
            return;
        }
        if (here is null && local.State == PortState.Pending)
        {
            SetLearning(local); // the migration that placed it here was aborted
        }
    }

    private void SetLearning(LocalPort local)
    {
        lock (local.Gate)
        {
            int dropped = local.Discard();
            for (int i = 0; i < dropped; i++)
            {
                Counters.AddDrop(DropReason.NotHere);
            }
            local.State = PortState.Learning;
        }
    }

    // The NVEs that host Activated bindings of a network: where head-end replication sends copies.
    private void RebuildMembers(uint? vni)
    {
        var bindings = _view.Bindings.Values;
        var vnis = vni is { } one ? [one] : _view.Networks.Keys.ToArray();
        foreach (var v in vnis)
        {
            _members[v] = bindings
                .Where(b => b.Vni == v && b.ActiveNve is { } n && n != Name)
                .Select(b => b.ActiveNve!)
                .Distinct()
                .Select(n => _peers.ByName(n))
                .OfType<Peer>()
                .ToArray();
        }
    }

    // Pull mode refreshes an answer when three quarters of its lifetime have passed, so a fresh one
    // is usually in hand before the old one runs out, even when the NVA answers slowly.
    private static TimeSpan RefreshAfter(TimeSpan lifetime) => lifetime * 0.75;

    // The location of a remote MAC. Pull: an expired answer is still used while a refresh runs
    // (so packets keep flowing to the old NVE, whose redirect covers them).
    private bool TryResolve(uint vni, MacAddress mac, out Peer peer)
    {
        if (_remote.TryGetValue((vni, mac), out var entry))
        {
            if (entry.ExpiresTicks < Now && entry.TryStartRefresh())
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

    private async Task RefreshAsync(RemoteEntry entry, uint vni, MacAddress mac)
    {
        try
        {
            Counters.AddLookup();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(s_lookupTimeout);
            var result = await _nva.LookupByMacAsync(vni, mac, Name, timeout.Token).ConfigureAwait(false);
            if (!result.Found)
            {
                _remote.TryRemove((vni, mac), out _);
                return;
            }
            var peer = result.Host?.Name == Name ? null : _peers.ByName(result.Host?.Name);
            entry.Update(peer ?? entry.Peer, Now + TicksFor(peer is null ? s_retry : RefreshAfter(result.Lifetime)), Now);
        }
        catch (Exception ex) when (ex is NvaException or OperationCanceledException)
        {
            // Keep forwarding with what we have; ask again a little later.
            entry.Update(entry.Peer, Now + TicksFor(TimeSpan.FromSeconds(1)), Now);
        }
        finally
        {
            entry.EndRefresh();
        }
    }

    // A miss: hold the frame (bounded) and ask the NVA; never guess, never flood.
    private void QueueForLookup(uint vni, MacAddress mac, byte[] buffer, int offset, int length)
    {
        var frame = buffer.AsSpan(offset, length);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var pending = _lookups.GetOrAdd((vni, mac), static (_, limit) => new PendingLookup(limit), Options.LookupQueueFrames);
            switch (pending.TryAdd(frame))
            {
                case PendingLookup.Added.Yes:
                    if (pending.TryStart())
                    {
                        _ = LookupAndFlushAsync(pending, vni, mac);
                    }
                    return;
                case PendingLookup.Added.Full:
                    Counters.AddDrop(DropReason.LookupFailed);
                    return;
                default:
                    // That look-up just answered: its entry exists now (or it failed and a new one starts).
                    if (TryResolve(vni, mac, out var peer))
                    {
                        SendFrame(vni, buffer, offset, length, peer);
                        return;
                    }
                    break;
            }
        }
        Counters.AddDrop(DropReason.LookupFailed);
    }

    private async Task LookupAndFlushAsync(PendingLookup pending, uint vni, MacAddress mac)
    {
        Peer? peer = null;
        TimeSpan lifetime = TimeSpan.Zero;
        bool failed = false; // the NVA did not answer, or named an NVE this one does not know
        try
        {
            Counters.AddLookup();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(s_lookupTimeout);
            var result = await _nva.LookupByMacAsync(vni, mac, Name, timeout.Token).ConfigureAwait(false);
            if (result.Host is { } host && host.Name != Name)
            {
                peer = _peers.ByName(host.Name);
                lifetime = result.Lifetime;
            }
            failed = result.Found && peer is null;
        }
        catch (Exception ex) when (ex is NvaException or OperationCanceledException)
        {
            failed = true;
            Log.LookupFailed(_logger, Name, mac, vni, ex.Message);
        }
        // The entry first, then close the queue: a frame that finds the queue closed finds the entry.
        if (peer is not null)
        {
            long expires = Options.Mode == UpdateMode.Push ? long.MaxValue : Now + TicksFor(RefreshAfter(lifetime));
            var entry = _remote.GetOrAdd((vni, mac), static (_, state) => new RemoteEntry(state.peer, state.expires, state.now), (peer, expires, now: Now));
            entry.Update(peer, expires, Now);
        }
        _lookups.TryRemove((vni, mac), out _);
        foreach (var (buffer, length) in pending.Close())
        {
            if (peer is not null)
            {
                SendFrame(vni, buffer, FrameBatch.Headroom, length, peer);
            }
            else
            {
                Counters.AddDrop(failed ? DropReason.LookupFailed : DropReason.UnknownDestination);
            }
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A queued frame goes out as its network carries it: the whole frame in VXLAN (Layer 2), or
    // the IP packet after its Ethernet header in VXLAN-GPE (Layer 3).
    private void SendFrame(uint vni, byte[] buffer, int offset, int length, Peer peer)
    {
        if (_view.Networks.TryGetValue(vni, out var network) && network.Mode == NetworkMode.L3)
        {
            SendLayer3(network, buffer, offset + EthernetFrame.HeaderLength, length - EthernetFrame.HeaderLength, peer, vni);
        }
        else
        {
            Encapsulate(buffer, offset, length, vni, peer);
        }
    }

    /// <summary>Frames waiting on one look-up: copies with headroom, so they encapsulate in place.</summary>
    private sealed class PendingLookup(int limit)
    {
        private readonly List<(byte[] Buffer, int Length)> _frames = [];
        private int _started;
        private bool _closed;

        public bool TryStart() => Interlocked.Exchange(ref _started, 1) == 0;

        public enum Added
        {
            Yes,
            Full,
            Closed,
        }

        public Added TryAdd(ReadOnlySpan<byte> frame)
        {
            lock (_frames)
            {
                if (_closed)
                {
                    return Added.Closed;
                }
                if (_frames.Count >= limit)
                {
                    return Added.Full;
                }
                var buffer = ArrayPool<byte>.Shared.Rent(FrameBatch.Headroom + frame.Length);
                frame.CopyTo(buffer.AsSpan(FrameBatch.Headroom));
                _frames.Add((buffer, frame.Length));
                return Added.Yes;
            }
        }

        public List<(byte[] Buffer, int Length)> Close()
        {
            lock (_frames)
            {
                _closed = true;
                return [.. _frames];
            }
        }
    }
}
