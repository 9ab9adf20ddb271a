using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    /// <summary>The attached ports.</summary>
    public IReadOnlyCollection<LocalPort> Ports => (IReadOnlyCollection<LocalPort>)_ports.All;

    /// <summary>The port attached for (<paramref name="vni"/>, <paramref name="mac"/>), if any.</summary>
    public LocalPort? GetPort(uint vni, MacAddress mac) => _ports.Get(vni, mac);

    /// <summary>
    /// Attaches a tenant interface and starts its receive loop. Its state follows the directory:
    /// Active when the binding is Activated here, Pending when Associated here (a migration's
    /// destination), Learning otherwise (its announcements claim through the NVA).
    /// </summary>
    public LocalPort AttachPort(ITenantPort port, uint vni, MacAddress mac)
    {
        var binding = View.Bindings.GetValueOrDefault((vni, mac));
        var local = new LocalPort(port, vni, mac, binding?.Ips.ToArray() ?? [], PortState.Learning);
        if (!_ports.TryAdd(local))
        {
            throw new InvalidOperationException($"NVE {Name} already has a port for {mac} in VNI {vni}.");
        }
        FollowPortNetworks();
        // Read the binding again now that the port is in the table: a change that arrived between
        // the first read and the insert found no port to apply to, and later ones will.
        if (View.Bindings.GetValueOrDefault((vni, mac)) is { } latest)
        {
            _activation.ApplyPlacement(local, latest);
        }
        var token = _stop.Token;
        StartThread($"nve-{Name}-{port.Name}", (supervisor, ct) => PortLoop(local, supervisor, ct), token);
        return local;
    }

    /// <summary>Detaches a port (its workload left or stopped) and closes it; held frames are dropped.</summary>
    public bool DetachPort(uint vni, MacAddress mac) => _ports.Get(vni, mac) is { } local && DetachPort(local);

    /// <summary>Detaches this very port, if it is still attached (not one attached since for the same binding).</summary>
    public bool DetachPort(LocalPort local)
    {
        if (!_ports.TryRemove(local))
        {
            return false;
        }
        FollowPortNetworks();
        lock (local.Gate)
        {
            Counters.AddDrops(DropReason.ActivationTimeout, local.Discard());
        }
        local.Port.Dispose();
        return true;
    }

    /// <summary>
    /// Frames this NVE handed to a port whose workload then stopped for good without taking them
    /// (a QEMU guest paused at its switchover leaves them in its socket): once the port is paused,
    /// they go after the workload through its redirect, as packets in flight. Layer-2 networks
    /// only (the frames are whole Ethernet frames). Returns how many went.
    /// </summary>
    public int ForwardLeftBehind(uint vni, MacAddress mac, FrameBatch frames)
    {
        if (_sync.Tables.Network(vni) is not { Layer3: false } network)
        {
            return 0;
        }
        int sent = 0;
        for (int i = 0; i < frames.Count; i++)
        {
            if (_delivery.TryRedirect(network, mac, new Packet(frames.Buffer(i), FrameBatch.Headroom, frames.Length(i)), null))
            {
                sent++;
            }
        }
        return sent;
    }

    /// <summary>
    /// The workload stopped here to move away (step 4 of a hot move): from now on every packet for
    /// it goes to its new NVE, if in-flight forwarding is on and the NVA has named the destination.
    /// Returns the destination's name, or null when there is none to forward to.
    /// </summary>
    public string? PausePort(uint vni, MacAddress mac)
    {
        var local = RequirePort(vni, mac);
        var target = _redirects.Prepared(vni, mac);
        if (target is null && View.Bindings.GetValueOrDefault((vni, mac)) is { } binding)
        {
            // No prepared redirect seen yet: the destination is the other placement.
            target = _sync.Tables.Peers.ByName(binding.Placements.FirstOrDefault(p => p.Nve != Name)?.Nve);
        }
        // The redirect first: a packet that finds the port paused always finds where to send it.
        if (target is not null && Options.InflightForwarding)
        {
            _redirects.StartPaused(vni, mac, target, Options.LocalRedirectHold);
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
        var local = RequirePort(vni, mac);
        _redirects.Remove(vni, mac);
        lock (local.Gate)
        {
            local.State = PortState.Active;
        }
    }

    /// <summary>
    /// The task stopped here for a cold move: until the NVA names its new place, traffic for it is
    /// dropped or (Layer 3) answered with destination unreachable from the anycast gateway, as
    /// <paramref name="policy"/> says; then it is redirected there. A Layer-2 network has no router
    /// to answer for it: <see cref="SuspendPolicy.Unreachable"/> is refused there.
    /// </summary>
    /// <exception cref="ArgumentException">Unreachable asked for a port of a Layer-2 network.</exception>
    public void SuspendPort(uint vni, MacAddress mac, SuspendPolicy policy)
    {
        var local = RequirePort(vni, mac);
        if (policy == SuspendPolicy.Unreachable && _sync.Tables.Network(vni) is not { Layer3: true })
        {
            throw new ArgumentException(
                $"VNI {vni} is a Layer-2 network: no gateway address there can answer destination unreachable for a stopped task; suspend it with policy drop.",
                nameof(policy));
        }
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
    public void ResumePort(uint vni, MacAddress mac) => _activation.Resumed(RequirePort(vni, mac));

    private LocalPort RequirePort(uint vni, MacAddress mac) =>
        _ports.Get(vni, mac) ?? throw new InvalidOperationException($"NVE {Name} has no port for {mac} in VNI {vni}.");

    // With FollowPortNetworks: the view follows the networks of the ports, changed only when a
    // port is the first or the last of its network here (the view then reloads that set).
    private void FollowPortNetworks()
    {
        if (!Options.FollowPortNetworks)
        {
            return;
        }
        lock (_followGate)
        {
            var vnis = _ports.All.Select(p => p.Vni).ToHashSet();
            if (!vnis.SetEquals(_followed))
            {
                _followed = vnis;
                View.Follow(vnis);
            }
        }
    }
}
