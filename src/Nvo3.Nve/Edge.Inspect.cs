using Nvo3.Nva;

namespace Nvo3.Nve;

// What an operator may look at (the agent's Inspect service): copies of the tables, read without
// stopping the data path, sorted by network and MAC.
public sealed partial class Edge
{
    /// <summary>The remote cache.</summary>
    public IReadOnlyList<RemoteView> RemoteEntries()
    {
        long now = _clock.Now;
        return [.. _resolver.All.OrderBy(e => e.Key.Vni).ThenBy(e => e.Key.Mac.ToString()).Select(e =>
        {
            var entry = e.Value;
            var peer = entry.Peer;
            long expires = entry.ExpiresTicks;
            return new RemoteView(e.Key.Vni, e.Key.Mac, View.Bindings.GetValueOrDefault(e.Key)?.Ips ?? [], peer?.Name, peer?.Endpoint,
                Options.Mode, expires == long.MaxValue ? null : Span(now, expires), Span(entry.ChangedTicks, now), entry.Refreshing);
        })];
    }

    /// <summary>The redirects that run here.</summary>
    public IReadOnlyList<RedirectView> Redirects()
    {
        long now = _clock.Now;
        return [.. _redirects.All.OrderBy(e => e.Key.Vni).ThenBy(e => e.Key.Mac.ToString()).Select(e =>
        {
            var r = e.Value;
            // An untimed redirect (paused here, no activation seen) ends only by the activation or an abort.
            TimeSpan? expiresIn = r.ExpiresTicks >= long.MaxValue / 8 ? null : Span(now, r.ExpiresTicks);
            return new RedirectView(e.Key.Vni, e.Key.Mac, r.Target.Name, r.Target.Endpoint, r.Timed, Span(r.StartedTicks, now), expiresIn,
                Span(r.LastUsedTicks, now), r.Forwarded);
        })];
    }

    /// <summary>The other registered NVEs.</summary>
    public IReadOnlyList<PeerView> Peers()
    {
        var tables = _sync.Tables;
        var remotes = _resolver.All.Select(e => e.Value.Peer?.Name).Where(n => n is not null).CountBy(n => n!).ToDictionary();
        var redirects = _redirects.All.CountBy(e => e.Value.Target.Name).ToDictionary();
        return [.. tables.Peers.All.Where(p => p.Name != Name).OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new PeerView(
            p.Name, p.Endpoint, p.IlaLocator,
            [.. tables.Networks.Values.Where(n => n.Members.Any(m => m.Name == p.Name)).Select(n => n.Vni).Order()],
            remotes.GetValueOrDefault(p.Name), redirects.GetValueOrDefault(p.Name)))];
    }

    private TimeSpan Span(long fromTicks, long toTicks) => TimeSpan.FromMilliseconds(_clock.Milliseconds(fromTicks, toTicks));
}
