using Nvo3.Packets;
using P = Nvo3.Protocol.V1;
using static Nvo3.Nva.Grpc.ProtoMapping;

namespace Nvo3.Nva.Client;

public sealed partial class NvaClient
{
    /// <summary>Registers an NVE with a lease.</summary>
    public Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, CancellationToken cancellationToken = default) =>
        RegisterNveAsync(name, underlay, ilaLocator, lease, agent: null, cancellationToken);

    /// <summary>Registers an NVE with a lease, naming the agent that runs beside it.</summary>
    public Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, Uri? agent, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var request = new P.RegisterNveRequest { Name = name, IlaLocator = FormatPrefix64(ilaLocator), LeaseSeconds = (uint)lease.TotalSeconds, Agent = agent?.ToString() ?? "" };
            request.Underlay.AddRange(underlay.Select(ToProto));
            return FromProto((await c.RegisterNveAsync(request, cancellationToken: cancellationToken)).Nve);
        });

    /// <summary>Renews an NVE's lease; returns when it expires.</summary>
    public Task<DateTimeOffset> KeepAliveAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromUnixMs((await c.KeepAliveAsync(new P.KeepAliveRequest { Name = name }, cancellationToken: cancellationToken)).LeaseExpiresUnixMs) ?? DateTimeOffset.MaxValue);

    /// <summary>Adds an external NVE (no lease).</summary>
    public Task<NveRecord> AddNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator = null, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var request = new P.AddNveRequest { Name = name, IlaLocator = FormatPrefix64(ilaLocator) };
            request.Underlay.AddRange(underlay.Select(ToProto));
            return FromProto(await c.AddNveAsync(request, cancellationToken: cancellationToken));
        });

    /// <summary>Lists NVEs with their liveness as the NVA sees it.</summary>
    public Task<IReadOnlyList<(NveRecord Nve, bool Alive)>> ListNvesAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<(NveRecord, bool)>>(async c =>
            (await c.ListNvesAsync(new P.ListNvesRequest(), cancellationToken: cancellationToken)).Nves.Select(n => (FromProto(n), n.Alive)).ToList());

    /// <summary>Removes an NVE.</summary>
    public Task RemoveNveAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.RemoveNveAsync(new P.RemoveNveRequest { Name = name }, cancellationToken: cancellationToken), gone: true);

    /// <summary>Creates a virtual network (a zero cache lifetime takes the NVA's default).</summary>
    public Task<VirtualNetwork> CreateVirtualNetworkAsync(VirtualNetwork network, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var p = ToProto(network);
            var request = new P.CreateVirtualNetworkRequest { Vni = p.Vni, Name = p.Name, Mode = p.Mode, CacheLifetimeMs = p.CacheLifetimeMs, IlaSirPrefix = p.IlaSirPrefix };
            request.Subnets.AddRange(p.Subnets);
            request.Gateways.AddRange(p.Gateways);
            return FromProto(await c.CreateVirtualNetworkAsync(request, cancellationToken: cancellationToken));
        });

    /// <summary>Lists virtual networks.</summary>
    public Task<IReadOnlyList<VirtualNetwork>> ListVirtualNetworksAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<VirtualNetwork>>(async c =>
            (await c.ListVirtualNetworksAsync(new P.ListVirtualNetworksRequest(), cancellationToken: cancellationToken)).Networks.Select(FromProto).ToList());

    /// <summary>Deletes a virtual network (with <paramref name="force"/>, its bindings too).</summary>
    public Task DeleteVirtualNetworkAsync(uint vni, bool force, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.DeleteVirtualNetworkAsync(new P.DeleteVirtualNetworkRequest { Vni = vni, Force = force }, cancellationToken: cancellationToken), gone: true);

    /// <summary>Creates a binding Activated at its NVE.</summary>
    public Task<Binding> AttachAsync(AttachRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var m = new P.AttachRequest { Vni = request.Vni, Mac = request.Mac.ToString(), Nve = request.Nve, Sticky = request.Sticky, Name = request.Name ?? "" };
            m.Ips.AddRange(request.Ips.Select(ip => ip.ToString()));
            return FromProto(await c.AttachAsync(m, cancellationToken: cancellationToken));
        });

    /// <summary>Associates a binding at an NVE.</summary>
    public Task<Binding> AssociateAsync(AttachRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var m = new P.AssociateRequest { Vni = request.Vni, Mac = request.Mac.ToString(), Nve = request.Nve, Sticky = request.Sticky, Name = request.Name ?? "" };
            m.Ips.AddRange(request.Ips.Select(ip => ip.ToString()));
            return FromProto(await c.AssociateAsync(m, cancellationToken: cancellationToken));
        });

    /// <summary>Removes a binding by VNI and MAC.</summary>
    public Task DetachAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.DetachAsync(new P.DetachRequest { Vni = vni, Mac = mac.ToString() }, cancellationToken: cancellationToken), gone: true);

    /// <summary>Removes a binding by workload name.</summary>
    public Task DetachAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.DetachAsync(new P.DetachRequest { Name = name }, cancellationToken: cancellationToken), gone: true);

    /// <summary>Claims a binding for an NVE.</summary>
    public Task<Binding> ActivateAsync(ActivateRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var m = new P.ActivateRequest { Vni = request.Vni, Mac = request.Mac.ToString(), Nve = request.Nve, Trigger = ToProto(request.Trigger), Sequence = (ulong)request.Sequence };
            m.ClaimedIps.AddRange((request.ClaimedIps ?? []).Select(ip => ip.ToString()));
            return FromProto(await c.ActivateAsync(m, cancellationToken: cancellationToken));
        });

    /// <summary>Takes a binding out of forwarding at an NVE.</summary>
    public Task<Binding> DeactivateAsync(uint vni, MacAddress mac, string nve, CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromProto(await c.DeactivateAsync(new P.PlacementRequest { Vni = vni, Mac = mac.ToString(), Nve = nve }, cancellationToken: cancellationToken)));

    /// <summary>Removes a binding's placement at an NVE.</summary>
    public Task<Binding> DisassociateAsync(uint vni, MacAddress mac, string nve, CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromProto(await c.DisassociateAsync(new P.PlacementRequest { Vni = vni, Mac = mac.ToString(), Nve = nve }, cancellationToken: cancellationToken)));

    /// <summary>Clears a binding's duplicate flag and freeze.</summary>
    public Task<Binding> ClearDuplicateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromProto(await c.ClearDuplicateAsync(new P.BindingKey { Vni = vni, Mac = mac.ToString() }, cancellationToken: cancellationToken)));

    /// <summary>Lists bindings (all, of one VNI, or placed at one NVE).</summary>
    public Task<IReadOnlyList<Binding>> ListBindingsAsync(uint? vni = null, string? nve = null, CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<Binding>>(async c =>
            (await c.ListBindingsAsync(new P.ListBindingsRequest { Vni = vni ?? 0, Nve = nve ?? "" }, cancellationToken: cancellationToken)).Bindings.Select(FromProto).ToList());

    /// <summary>Who has <paramref name="ip"/> in <paramref name="vni"/>.</summary>
    public Task<LookupResult> LookupByIpAsync(uint vni, IpAddr ip, string askingNve = "", CancellationToken cancellationToken = default) =>
        CallAsync(async c => MapLookup(await c.LookupByIpAsync(new P.LookupByIpRequest { Vni = vni, Ip = ip.ToString(), AskingNve = askingNve }, cancellationToken: cancellationToken)));

    /// <summary>Where <paramref name="mac"/> is in <paramref name="vni"/>.</summary>
    public Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, string askingNve = "", CancellationToken cancellationToken = default) =>
        CallAsync(async c => MapLookup(await c.LookupByMacAsync(new P.LookupByMacRequest { Vni = vni, Mac = mac.ToString(), AskingNve = askingNve }, cancellationToken: cancellationToken)));

    /// <summary>Everything at one revision.</summary>
    public Task<DirectorySnapshot> SnapshotAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var s = await c.SnapshotAsync(new P.SnapshotRequest(), cancellationToken: cancellationToken);
            return new DirectorySnapshot(s.Revision, s.Networks.Select(FromProto).ToList(), s.Nves.Select(FromProto).ToList(),
                s.Bindings.Select(FromProto).ToList(), s.Redirects.Select(FromProto).ToList(), s.Migrations.Select(FromProto).ToList());
        });

    /// <summary>Records a migration.</summary>
    public Task<Migration> BeginMigrationAsync(BeginMigrationRequest request, CancellationToken cancellationToken = default)
    {
        // Named once, so a retry on another replica finds the migration if the first one made it.
        string requestId = request.RequestId ?? Guid.NewGuid().ToString("N");
        return CallAsync(async c => FromProto(await c.BeginMigrationAsync(new P.BeginMigrationRequest
        {
            Name = request.Name ?? "",
            Vni = request.Vni,
            Mac = request.Name is null ? request.Mac.ToString() : "",
            Destination = request.Destination,
            Mode = ToProto(request.Mode),
            RequestId = requestId,
        }, cancellationToken: cancellationToken)));
    }

    /// <summary>Records the pause at the source: the redirect becomes active.</summary>
    public Task<Migration> PauseMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromProto(await c.PauseMigrationAsync(new P.MigrationRef { Id = id }, cancellationToken: cancellationToken)));

    /// <summary>Completes an activated migration.</summary>
    public Task<Migration> CommitMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromProto(await c.CommitMigrationAsync(new P.MigrationRef { Id = id }, cancellationToken: cancellationToken)));

    /// <summary>Gives a migration up before its switchover.</summary>
    public Task<Migration> AbortMigrationAsync(string id, string reason, CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromProto(await c.AbortMigrationAsync(new P.AbortMigrationRequest { Id = id, Reason = reason }, cancellationToken: cancellationToken)));

    /// <summary>Reads one migration.</summary>
    public Task<Migration> GetMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromProto(await c.GetMigrationAsync(new P.MigrationRef { Id = id }, cancellationToken: cancellationToken)));

    /// <summary>Lists migrations.</summary>
    public Task<IReadOnlyList<Migration>> ListMigrationsAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<Migration>>(async c =>
            (await c.ListMigrationsAsync(new P.ListMigrationsRequest(), cancellationToken: cancellationToken)).Migrations.Select(FromProto).ToList());

    /// <summary>Lists redirects.</summary>
    public Task<IReadOnlyList<Redirect>> ListRedirectsAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<Redirect>>(async c =>
            (await c.ListRedirectsAsync(new P.ListRedirectsRequest(), cancellationToken: cancellationToken)).Redirects.Select(FromProto).ToList());

    /// <summary>
    /// Registers an NVE with a lease and says whether the NVA had marked it down (see
    /// <see cref="NveRegistration.WasDown"/>): a registration whose lease ran out is renewed, not refused.
    /// </summary>
    public Task<NveRegistration> RegisterAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, Uri? agent, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var request = new P.RegisterNveRequest { Name = name, IlaLocator = FormatPrefix64(ilaLocator), LeaseSeconds = (uint)lease.TotalSeconds, Agent = agent?.ToString() ?? "" };
            request.Underlay.AddRange(underlay.Select(ToProto));
            var response = await c.RegisterNveAsync(request, cancellationToken: cancellationToken);
            var nve = FromProto(response.Nve);
            return new NveRegistration(nve, nve.LeaseExpires ?? DateTimeOffset.MaxValue, FromUnixMs(response.WasDownSinceUnixMs));
        });

    /// <summary>Renews an NVE's lease, saying whether the renewal revived an NVE the NVA had marked down.</summary>
    public Task<NveRegistration> RenewAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var response = await c.KeepAliveAsync(new P.KeepAliveRequest { Name = name }, cancellationToken: cancellationToken);
            return new NveRegistration(null, FromUnixMs(response.LeaseExpiresUnixMs) ?? DateTimeOffset.MaxValue, FromUnixMs(response.WasDownSinceUnixMs));
        });

    /// <summary>
    /// Confirms an activation this NVE made on its own while the NVA was unreachable, with the
    /// sequence number it took then (<see cref="ActivateRequest.Sequence"/>, required). Accepted when no newer
    /// activation exists; a <see cref="NvaError.FailedPrecondition"/> refusal (stale, or a lost tie)
    /// means another NVE holds the binding with a newer number: withdraw the local activation.
    /// </summary>
    public Task<Binding> ConfirmActivationAsync(ActivateRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var m = new P.ActivateRequest { Vni = request.Vni, Mac = request.Mac.ToString(), Nve = request.Nve, Trigger = ToProto(request.Trigger), Sequence = (ulong)request.Sequence };
            m.ClaimedIps.AddRange((request.ClaimedIps ?? []).Select(ip => ip.ToString()));
            return FromProto(await c.ConfirmActivationAsync(m, cancellationToken: cancellationToken));
        });

    /// <summary>
    /// What a watcher of <paramref name="vnis"/> needs at one revision: those networks, their
    /// bindings, redirects and migrations, and every NVE (null or empty: everything).
    /// </summary>
    public Task<DirectorySnapshot> SnapshotAsync(IReadOnlyCollection<uint>? vnis, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            var request = new P.SnapshotRequest();
            request.Vnis.AddRange(vnis ?? []);
            var s = await c.SnapshotAsync(request, cancellationToken: cancellationToken);
            return new DirectorySnapshot(s.Revision, s.Networks.Select(FromProto).ToList(), s.Nves.Select(FromProto).ToList(),
                s.Bindings.Select(FromProto).ToList(), s.Redirects.Select(FromProto).ToList(), s.Migrations.Select(FromProto).ToList());
        });

    /// <summary>Who has <paramref name="ip"/>, answered once the NVA's copy holds <paramref name="minRevision"/> (a revision seen from another replica).</summary>
    public Task<LookupResult> LookupByIpAsync(uint vni, IpAddr ip, long minRevision, string askingNve = "", CancellationToken cancellationToken = default) =>
        CallAsync(async c => MapLookup(await c.LookupByIpAsync(new P.LookupByIpRequest { Vni = vni, Ip = ip.ToString(), AskingNve = askingNve, MinRevision = minRevision }, cancellationToken: cancellationToken)));

    /// <summary>Lists migrations, only the open ones when <paramref name="openOnly"/>.</summary>
    public Task<IReadOnlyList<Migration>> ListMigrationsAsync(bool openOnly, CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<Migration>>(async c =>
            (await c.ListMigrationsAsync(new P.ListMigrationsRequest { OpenOnly = openOnly }, cancellationToken: cancellationToken)).Migrations.Select(FromProto).ToList());

    /// <summary>Ends an open migration from the directory's records now (completed if the destination was activated, else aborted).</summary>
    public Task<Migration> SettleMigrationAsync(string id, string by = "", CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromProto(await c.SettleMigrationAsync(new P.SettleMigrationRequest { Id = id, By = by }, cancellationToken: cancellationToken)));

    /// <summary>The NVA replica in use, as it describes itself.</summary>
    public Task<NvaStatus> StatusAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async c => FromStatus(await c.StatusAsync(new P.StatusRequest(), cancellationToken: cancellationToken)));

    /// <summary>Each listed NVA replica as it describes itself, or the failure that kept it from answering.</summary>
    public async Task<IReadOnlyList<(Uri Address, NvaStatus? Status, string? Failure)>> StatusOfEachAsync(CancellationToken cancellationToken = default)
    {
        var answers = new List<(Uri, NvaStatus?, string?)>();
        foreach (var replica in _replicas)
        {
            try
            {
                answers.Add((replica.Address, FromStatus(await replica.Client.StatusAsync(new P.StatusRequest(), cancellationToken: cancellationToken)), null));
            }
            catch (global::Grpc.Core.RpcException ex)
            {
                answers.Add((replica.Address, null, IsUnreachable(ex) ? $"Cannot reach the NVA at {replica.Address} ({ex.Status.Detail})" : ex.Status.Detail));
            }
        }
        return answers;
    }

    private static NvaStatus FromStatus(P.StatusResponse s) => new(s.Replica, s.Leader, string.IsNullOrEmpty(s.LeaderReplica) ? null : s.LeaderReplica,
        s.Revision, s.Store, s.Watchers, s.Failovers, s.Settled, s.LoopFailures);

    internal static LookupResult MapLookup(P.LookupResponse r) => new(
        r.Found ? FromProto(r.Binding) : null,
        r.Host is null ? null : FromProto(r.Host),
        TimeSpan.FromMilliseconds(r.LifetimeMs));
}
