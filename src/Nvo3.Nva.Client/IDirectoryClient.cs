using Nvo3.Packets;

namespace Nvo3.Nva.Client;

/// <summary>
/// What an NVE asks of the directory: register and stay alive, load and follow it, look up a
/// location, claim an activation. <see cref="NvaClient"/> implements it over gRPC; tests give an
/// NVE an in-process directory instead. Refusals arrive as <see cref="NvaException"/>.
/// </summary>
public interface IDirectoryClient
{
    /// <summary>Registers an NVE with a lease, naming the agent that runs beside it.</summary>
    Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, Uri? agent, CancellationToken cancellationToken = default);

    /// <summary>Renews an NVE's lease; returns when it expires.</summary>
    Task<DateTimeOffset> KeepAliveAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Activates a binding at an NVE (a planned switchover's confirmation or an unplanned claim).</summary>
    Task<Binding> ActivateAsync(ActivateRequest request, CancellationToken cancellationToken = default);

    /// <summary>Where (VNI, MAC) lives, with how long the answer may be used.</summary>
    Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, string askingNve = "", CancellationToken cancellationToken = default);

    /// <summary>The whole directory at one revision.</summary>
    Task<DirectorySnapshot> SnapshotAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The directory's changes from <paramref name="fromRevision"/> on, until cancelled; a
    /// <see cref="ChangeKind.Resync"/> change means the history is gone: load a snapshot and watch again.
    /// </summary>
    IAsyncEnumerable<DirectoryChange> WatchAsync(long fromRevision, string nve = "", CancellationToken cancellationToken = default);

    /// <summary>
    /// What a watcher of <paramref name="vnis"/> needs at one revision (null or empty: everything).
    /// This default filters the whole snapshot here; <see cref="NvaClient"/> asks the NVA for only that.
    /// </summary>
    async Task<DirectorySnapshot> SnapshotAsync(IReadOnlyCollection<uint>? vnis, CancellationToken cancellationToken = default)
    {
        var all = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (vnis is not { Count: > 0 })
        {
            return all;
        }
        return all with
        {
            Networks = all.Networks.Where(n => vnis.Contains(n.Vni)).ToList(),
            Bindings = all.Bindings.Where(b => vnis.Contains(b.Vni)).ToList(),
            Redirects = all.Redirects.Where(r => vnis.Contains(r.Vni)).ToList(),
            Migrations = all.Migrations.Where(m => vnis.Contains(m.Vni)).ToList(),
        };
    }

    /// <summary>
    /// The changes of <paramref name="vnis"/> and of every NVE from <paramref name="fromRevision"/>
    /// (null or empty: every change). This default filters the whole stream here;
    /// <see cref="NvaClient"/> has the NVA send only those, and fails over between NVA replicas.
    /// </summary>
    IAsyncEnumerable<DirectoryChange> WatchAsync(long fromRevision, string nve, IReadOnlyCollection<uint>? vnis, CancellationToken cancellationToken = default) =>
        vnis is not { Count: > 0 } ? WatchAsync(fromRevision, nve, cancellationToken)
        : WatchAsync(fromRevision, nve, cancellationToken).Where(c => (c.Network?.Vni ?? c.Binding?.Vni ?? c.Redirect?.Vni ?? c.Migration?.Vni ?? c.Vni) is var vni && (vni == 0 || vnis.Contains(vni)));
}
