using System.Collections.Frozen;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// Applies the directory as the NVE's view follows it: builds the forwarding tables (a network's
/// table again when it or one of its bindings changes, everything on a resync) and swaps them in
/// whole; moves the ports through their states; keeps the remote entries and the redirects in step.
/// Runs on the view's thread, one change at a time.
/// </summary>
internal sealed class DirectorySync(
    string name,
    DirectoryView view,
    PortTable ports,
    RedirectTable redirects,
    RemoteResolver resolver,
    Activation activation,
    EdgeOptions options)
{
    private readonly Dictionary<uint, Dictionary<MacAddress, Binding>> _bindings = [];
    private readonly Lock _gate = new();
    private volatile ForwardingTables _tables = ForwardingTables.Empty;

    /// <summary>The current tables: read by the data path without locks.</summary>
    public ForwardingTables Tables => _tables;

    /// <summary>Applies one change of the view (its <see cref="DirectoryView.Changed"/> event).</summary>
    public void OnChange(DirectoryChange change)
    {
        lock (_gate)
        {
            switch (change.Kind)
            {
                case ChangeKind.Resync:
                    Rebuild();
                    break;
                case ChangeKind.NvePut:
                case ChangeKind.NveDeleted:
                    _tables = Build(new PeerTable(view.Nves.Values), _tables.Networks.Keys);
                    resolver.Rebind(_tables.Peers);
                    redirects.Rebind(_tables.Peers);
                    break;
                case ChangeKind.NetworkPut:
                case ChangeKind.NetworkDeleted:
                    _tables = WithNetwork(change.Vni != 0 ? change.Vni : change.Network!.Vni);
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
                    if (change.Name == name)
                    {
                        redirects.Forget(change.Vni, change.Mac);
                    }
                    break;
                default:
                    break;
            }
        }
    }

    // Everything again from the view, swapped in at once: readers never see a table half cleared.
    private void Rebuild()
    {
        _bindings.Clear();
        foreach (var binding in view.Bindings.Values)
        {
            BindingsOf(binding.Vni)[binding.Mac] = binding;
        }
        _tables = Build(new PeerTable(view.Nves.Values), view.Networks.Keys);
        resolver.Rebind(_tables.Peers);
        redirects.Rebind(_tables.Peers);
        foreach (var port in ports.All)
        {
            if (view.Bindings.TryGetValue((port.Vni, port.Mac), out var binding))
            {
                activation.ApplyPlacement(port, binding);
            }
            else if (port.State != PortState.Paused)
            {
                activation.SetLearning(port);
            }
        }
        foreach (var (key, _) in resolver.All)
        {
            if (!view.Bindings.ContainsKey(key))
            {
                resolver.Forget(key.Vni, key.Mac);
            }
        }
        foreach (var binding in view.Bindings.Values)
        {
            FollowRemote(binding);
        }
        foreach (var redirect in view.Redirects.Values)
        {
            OnRedirect(redirect);
        }
        foreach (var (key, entry) in redirects.All)
        {
            // A move given up while the watch was away: its untimed redirect goes, unless the pause was ours.
            if (!entry.Timed && !view.Redirects.ContainsKey((key.Vni, key.Mac, name)) && ports.Get(key.Vni, key.Mac)?.State != PortState.Paused)
            {
                redirects.Forget(key.Vni, key.Mac);
            }
        }
    }

    private void OnBinding(Binding binding)
    {
        BindingsOf(binding.Vni)[binding.Mac] = binding;
        _tables = WithNetwork(binding.Vni);
        if (ports.Get(binding.Vni, binding.Mac) is { } port)
        {
            activation.ApplyPlacement(port, binding);
        }
        FollowRemote(binding);
    }

    private void FollowRemote(Binding binding)
    {
        if (binding.ActiveNve == name)
        {
            redirects.End(binding.Vni, binding.Mac);
            resolver.Forget(binding.Vni, binding.Mac);
        }
        else
        {
            resolver.Follow(binding.Vni, binding.Mac, _tables.Peers.ByName(binding.ActiveNve));
        }
    }

    private void OnBindingDeleted(uint vni, MacAddress mac)
    {
        if (_bindings.TryGetValue(vni, out var bindings))
        {
            bindings.Remove(mac);
        }
        _tables = WithNetwork(vni);
        resolver.Forget(vni, mac);
        if (ports.Get(vni, mac) is { } port && port.State != PortState.Paused)
        {
            activation.SetLearning(port);
        }
    }

    private void OnRedirect(Redirect redirect)
    {
        if (redirect.OldNve != name || _tables.Peers.ByName(redirect.NewNve) is not { } target)
        {
            return;
        }
        redirects.Prepare(redirect.Vni, redirect.Mac, target);
        if (!redirect.Active || !options.InflightForwarding)
        {
            return;
        }
        // Timed once the new NVE activated (the NVA then sets Hold): the hold runs on this NVE's
        // clock from now. A paused redirect's Expires is the NVA's deadline for the pause, which
        // it ends by deleting the redirect: until then it runs as the local pause does.
        if (redirect.Hold is { } timed)
        {
            redirects.StartTimed(redirect.Vni, redirect.Mac, target, timed);
        }
        else if (!redirects.TryGet(redirect.Vni, redirect.Mac, out _))
        {
            redirects.StartPaused(redirect.Vni, redirect.Mac, target, options.LocalRedirectHold);
        }
    }

    private Dictionary<MacAddress, Binding> BindingsOf(uint vni)
    {
        if (!_bindings.TryGetValue(vni, out var bindings))
        {
            bindings = [];
            _bindings[vni] = bindings;
        }
        return bindings;
    }

    // The tables with network vni built again (or gone, when the view no longer has it).
    private ForwardingTables WithNetwork(uint vni)
    {
        var current = _tables;
        var networks = current.Networks.ToDictionary();
        if (view.Networks.TryGetValue(vni, out var network))
        {
            networks[vni] = BuildNetwork(network, current.Peers);
        }
        else
        {
            networks.Remove(vni);
        }
        return new ForwardingTables(current.Peers, current.Self, networks.ToFrozenDictionary());
    }

    private ForwardingTables Build(PeerTable peers, IEnumerable<uint> vnis)
    {
        var networks = new Dictionary<uint, NetworkTable>();
        foreach (var vni in vnis.Concat(view.Networks.Keys).Distinct())
        {
            if (view.Networks.TryGetValue(vni, out var network))
            {
                networks[vni] = BuildNetwork(network, peers);
            }
        }
        return new ForwardingTables(peers, peers.ByName(name), networks.ToFrozenDictionary());
    }

    private NetworkTable BuildNetwork(VirtualNetwork network, PeerTable peers)
    {
        var owners = new Dictionary<IpAddr, MacAddress>();
        var members = new HashSet<string>(StringComparer.Ordinal);
        if (_bindings.TryGetValue(network.Vni, out var bindings))
        {
            foreach (var binding in bindings.Values)
            {
                foreach (var ip in binding.Ips)
                {
                    owners[ip] = binding.Mac;
                }
                if (binding.ActiveNve is { } at && at != name)
                {
                    members.Add(at);
                }
            }
        }
        var peersOf = members.Select(peers.ByName).OfType<Peer>().OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();
        return new NetworkTable(network, owners.ToFrozenDictionary(), peersOf);
    }
}
