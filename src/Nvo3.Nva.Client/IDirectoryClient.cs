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
}
