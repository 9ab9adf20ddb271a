using System.Collections.Concurrent;
using System.Collections.Frozen;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    private readonly ConcurrentDictionary<(uint Vni, MacAddress Mac), LocalPort> _portsByKey = new();
    private volatile FrozenDictionary<uint, LocalPort[]> _portsByVni = FrozenDictionary<uint, LocalPort[]>.Empty;

    /// <summary>The attached ports.</summary>
    public IReadOnlyCollection<LocalPort> Ports => (IReadOnlyCollection<LocalPort>)_portsByKey.Values;

    /// <summary>The port attached for (<paramref name="vni"/>, <paramref name="mac"/>), if any.</summary>
    public LocalPort? GetPort(uint vni, MacAddress mac) => _portsByKey.GetValueOrDefault((vni, mac));

    /// <summary>
    /// Attaches a tenant interface and starts its receive loop. Its state follows the directory:
    /// Active when the binding is Activated here, Pending when Associated here (a migration's
    /// destination), Learning otherwise (its announcements claim through the NVA).
    /// </summary>
    public LocalPort AttachPort(ITenantPort port, uint vni, MacAddress mac)
    {
        var binding = _view.Bindings.GetValueOrDefault((vni, mac));
        var local = new LocalPort(this, port, vni, mac, binding?.Ips.ToArray() ?? [], PortState.Learning)
        {
            Network = _view.Networks.GetValueOrDefault(vni),
        };
        if (!_portsByKey.TryAdd((vni, mac), local))
        {
            throw new InvalidOperationException($"NVE {Name} already has a port for {mac} in VNI {vni}.");
        }
        RebuildPortIndex();
        // Read the binding again now that the port is in the table: a change that arrived between
        // the first read and the insert found no port to apply to, and later ones will.
        if (_view.Bindings.GetValueOrDefault((vni, mac)) is { } latest)
        {
            ApplyPlacement(local, latest);
        }
        var token = _stop.Token;
        StartThread($"nve-{Name}-{port.Name}", () => PortLoop(local, token));
        return local;
    }

    /// <summary>Detaches a port (its workload left or stopped) and closes it; held frames are dropped.</summary>
    public bool DetachPort(uint vni, MacAddress mac) =>
        _portsByKey.TryGetValue((vni, mac), out var local) && DetachPort(local);

    /// <summary>Detaches this very port, if it is still attached (not one attached since for the same binding).</summary>
    public bool DetachPort(LocalPort local)
    {
        if (!_portsByKey.TryRemove(new KeyValuePair<(uint, MacAddress), LocalPort>((local.Vni, local.Mac), local)))
        {
            return false;
        }
        RebuildPortIndex();
        lock (local.Gate)
        {
            int dropped = local.Discard();
            for (int i = 0; i < dropped; i++)
            {
                Counters.AddDrop(DropReason.ActivationTimeout);
            }
        }
        local.Port.Dispose();
        return true;
    }

    /// <summary>
    /// The workload stopped here to move away (step 4 of a hot move): from now on every packet for
    /// it goes to its new NVE, if in-flight forwarding is on and the NVA has named the destination.
    /// Returns the destination's name, or null when there is none to forward to.
    /// </summary>
    public string? PausePort(uint vni, MacAddress mac)
    {
        var local = _portsByKey.GetValueOrDefault((vni, mac))
            ?? throw new InvalidOperationException($"NVE {Name} has no port for {mac} in VNI {vni}.");
        var target = _prepared.GetValueOrDefault((vni, mac));
        if (target is null && _view.Bindings.GetValueOrDefault((vni, mac)) is { } binding)
        {
            // No prepared redirect seen yet: the destination is the other placement.
            target = _peers.ByName(binding.Placements.FirstOrDefault(p => p.Nve != Name)?.Nve);
        }
        // The redirect first: a packet that finds the port paused always finds where to send it.
        if (target is not null && Options.InflightForwarding)
        {
            _redirects[(vni, mac)] = new RedirectEntry(target, Now + TicksFor(Options.LocalRedirectHold));
        }
        lock (local.Gate)
        {
            local.State = PortState.Paused;
        }
        if (target is not null && Options.InflightForwarding)
        {
            Log.Paused(_logger, Name, mac, vni, target.Name);
        }
        return target?.Name;
    }

    /// <summary>
    /// A move was given up before its switchover: the workload runs here again, so its port is
    /// Active and the redirect (if any) stops.
    /// </summary>
    public void ReactivatePort(uint vni, MacAddress mac)
    {
        var local = _portsByKey.GetValueOrDefault((vni, mac))
            ?? throw new InvalidOperationException($"NVE {Name} has no port for {mac} in VNI {vni}.");
        _redirects.TryRemove((vni, mac), out _);
        lock (local.Gate)
        {
            local.State = PortState.Active;
        }
    }

    /// <summary>
    /// The task stopped here for a cold move: until the NVA names its new place, traffic for it is
    /// dropped or answered with destination unreachable (<paramref name="policy"/>); then it is
    /// redirected there.
    /// </summary>
    public void SuspendPort(uint vni, MacAddress mac, SuspendPolicy policy)
    {
        var local = _portsByKey.GetValueOrDefault((vni, mac))
            ?? throw new InvalidOperationException($"NVE {Name} has no port for {mac} in VNI {vni}.");
        lock (local.Gate)
        {
            local.SuspendPolicy = policy;
            local.State = PortState.Suspended;
        }
    }

    /// <summary>
    /// The workload resumed here (step 5): with activation strategy <c>immediate</c> it activates
    /// now; otherwise the VM's first announcement activates it, and if it stays silent for
    /// <see cref="EdgeOptions.AnnounceGrace"/> the NVE activates it and announces for it.
    /// </summary>
    public void ResumePort(uint vni, MacAddress mac)
    {
        var local = _portsByKey.GetValueOrDefault((vni, mac))
            ?? throw new InvalidOperationException($"NVE {Name} has no port for {mac} in VNI {vni}.");
        local.ResumedTicks = Now;
        if (Options.Activation == ActivationStrategy.Immediate && local.State != PortState.Active)
        {
            Announced(local, MoveTrigger.Immediate, null);
        }
    }

    private void RebuildPortIndex() =>
        _portsByVni = _portsByKey.Values.GroupBy(p => p.Vni).ToFrozenDictionary(g => g.Key, g => g.ToArray());

    private void PortLoop(LocalPort local, CancellationToken cancellationToken)
    {
        var batch = new FrameBatch(Options.BatchSize);
        var scratch = new byte[FrameBatch.Headroom + FrameBatch.MaxFrame];
        // What a batch of tenant frames sends to the underlay leaves together (sendmmsg).
        using var sends = _underlay.CreateSendBatch(Options.BatchSize);
        while (!cancellationToken.IsCancellationRequested)
        {
            int n;
            try
            {
                n = local.Port.Receive(batch, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (n == 0)
            {
                return; // the port closed
            }
            _underlay.BeginBatch(sends);
            try
            {
                for (int i = 0; i < n; i++)
                {
                    FromTenant(local, batch, i, scratch);
                }
            }
            finally
            {
                EndSends();
            }
        }
    }
}
