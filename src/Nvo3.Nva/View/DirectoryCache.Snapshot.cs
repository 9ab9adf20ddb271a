using Nvo3.Nva.Records;

namespace Nvo3.Nva.View;

internal sealed partial class DirectoryCache
{
    /// <summary>
    /// Everything, or what a watcher of <paramref name="vnis"/> needs (those networks, their
    /// bindings, redirects and migrations, and every NVE), at the copy's revision.
    /// </summary>
    public DirectorySnapshot Snapshot(IReadOnlySet<uint>? vnis)
    {
        lock (_lock)
        {
            var nves = ListLocked<NveRecord>(Keys.Nves).Select(n => CurrentNve(n.Value)).ToList();
            var migrations = ListLocked<Migration>(Keys.Migrations).Select(m => m.Value).Where(m => vnis is null || vnis.Contains(m.Vni)).ToList();
            if (vnis is null)
            {
                return new DirectorySnapshot(_revision,
                    Values(ListLocked<VirtualNetwork>(Keys.Networks)), nves,
                    Values(ListLocked<Binding>(Keys.Bindings)), Values(ListLocked<Redirect>(Keys.Redirects)), migrations);
            }
            var networks = new List<VirtualNetwork>();
            var bindings = new List<Binding>();
            var redirects = new List<Redirect>();
            foreach (uint vni in vnis.Order())
            {
                if (Get<VirtualNetwork>(Keys.Network(vni)) is { } network)
                {
                    networks.Add(network.Value);
                }
                bindings.AddRange(Values(ListLocked<Binding>(Keys.BindingsOf(vni))));
                redirects.AddRange(Values(ListLocked<Redirect>(Keys.RedirectsOfNetwork(vni))));
            }
            return new DirectorySnapshot(_revision, networks, nves, bindings, redirects, migrations);
        }
    }

    /// <summary><paramref name="nve"/> with the expiry of its current lease.</summary>
    public NveRecord CurrentNve(NveRecord nve) => NveLease.Current(nve, Get<NveLease>(Keys.Lease(nve.Name))?.Value);

    private static List<T> Values<T>(List<Stored<T>> entries) where T : class => entries.ConvertAll(e => e.Value);
}
