using System.Runtime.CompilerServices;
using Nvo3.Nva.Client;
using Nvo3.Nva.Watch;
using Nvo3.Packets;

namespace Nvo3.Nva.Hosting;

/// <summary>
/// An NVE's directory client that calls the authority in the same process, without gRPC: the
/// same rules and the same watch, for hosting NVEs beside the NVA (tests that run an NVE alone on
/// a fake clock, single-process labs). Does not own the authority or the hub.
/// </summary>
public sealed class LocalDirectoryClient(Authority authority, WatchHub hub) : IDirectoryClient, IMigrationDirectory
{
    /// <inheritdoc />
    public Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, Uri? agent,
        CancellationToken cancellationToken = default) =>
        authority.RegisterNveAsync(name, underlay, ilaLocator, lease, agent?.ToString(), cancellationToken);

    /// <inheritdoc />
    public Task<DateTimeOffset> KeepAliveAsync(string name, CancellationToken cancellationToken = default) =>
        authority.KeepAliveAsync(name, TimeSpan.Zero, cancellationToken);

    /// <inheritdoc />
    public Task<Binding> ActivateAsync(ActivateRequest request, CancellationToken cancellationToken = default) =>
        authority.ActivateAsync(request, cancellationToken);

    /// <inheritdoc />
    public Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, string askingNve = "", CancellationToken cancellationToken = default) =>
        authority.LookupByMacAsync(vni, mac, cancellationToken);

    /// <inheritdoc />
    public Task<DirectorySnapshot> SnapshotAsync(CancellationToken cancellationToken = default) => authority.SnapshotAsync(cancellationToken);

    /// <inheritdoc />
    public Task<Migration> BeginMigrationAsync(BeginMigrationRequest request, CancellationToken cancellationToken = default) =>
        authority.BeginMigrationAsync(request, cancellationToken);

    /// <inheritdoc />
    public Task<Migration> PauseMigrationAsync(string id, CancellationToken cancellationToken = default) => authority.PauseMigrationAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<Migration> CommitMigrationAsync(string id, CancellationToken cancellationToken = default) => authority.CommitMigrationAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<Migration> AbortMigrationAsync(string id, string reason, CancellationToken cancellationToken = default) =>
        authority.AbortMigrationAsync(id, reason, cancellationToken);

    /// <inheritdoc />
    public async Task<Migration> GetMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        await authority.GetMigrationAsync(id, cancellationToken).ConfigureAwait(false)
        ?? throw new NvaException(NvaError.NotFound, $"No migration '{id}'.");

    /// <inheritdoc />
    public async IAsyncEnumerable<DirectoryChange> WatchAsync(long fromRevision, string nve = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var subscription = hub.Subscribe(fromRevision);
        await foreach (var change in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return change;
            if (change.Kind == ChangeKind.Resync)
            {
                yield break;
            }
        }
    }
}
