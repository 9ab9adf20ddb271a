using Grpc.Core;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Watch;
using Nvo3.Packets;
using P = Nvo3.Protocol.V1;
using static Nvo3.Nva.Grpc.ProtoMapping;

namespace Nvo3.Nva.Grpc;

/// <summary>
/// The NVA's gRPC service: parses and checks each request, calls the <see cref="Authority"/>,
/// and maps its answers to the contract. Refusals become status codes in
/// <see cref="ErrorInterceptor"/>.
/// </summary>
internal sealed partial class DirectoryService(Authority authority, WatchHub hub, ReplicaStatus replica) : P.Directory.DirectoryBase
{
    private DateTimeOffset Now => authority.Time.GetUtcNow();

    private P.Binding Map(Binding b) => ToProto(b, Now, authority.Settings.DuplicateWindow);

    private P.Migration Map(Migration m) => ToProto(m, m.IsOpen ? authority.DeadlineOf(m) : null);

    /// <inheritdoc />
    public override async Task<P.RegisterNveResponse> RegisterNve(P.RegisterNveRequest request, ServerCallContext context)
    {
        var lease = TimeSpan.FromSeconds(request.LeaseSeconds);
        var (nve, wasDown) = await authority.RegisterAsync(request.Name, request.Underlay.Select(FromProto).ToList(),
            ParsePrefix64(request.IlaLocator, "ILA locator"), lease, string.IsNullOrEmpty(request.Agent) ? null : request.Agent, context.CancellationToken).ConfigureAwait(false);
        return new P.RegisterNveResponse
        {
            Nve = ToProto(nve, Now),
            LeaseSeconds = (uint)(lease > TimeSpan.Zero ? lease : authority.Settings.DefaultLease).TotalSeconds,
            Revision = authority.LastCommittedRevision,
            WasDownSinceUnixMs = ToUnixMs(wasDown),
        };
    }

    /// <inheritdoc />
    public override async Task<P.KeepAliveResponse> KeepAlive(P.KeepAliveRequest request, ServerCallContext context)
    {
        var (expires, wasDown) = await authority.RenewAsync(request.Name, TimeSpan.Zero, context.CancellationToken).ConfigureAwait(false);
        return new() { LeaseExpiresUnixMs = ToUnixMs(expires), WasDownSinceUnixMs = ToUnixMs(wasDown) };
    }

    /// <inheritdoc />
    public override async Task<P.Nve> AddNve(P.AddNveRequest request, ServerCallContext context) =>
        ToProto(await authority.AddNveAsync(request.Name, request.Underlay.Select(FromProto).ToList(),
            ParsePrefix64(request.IlaLocator, "ILA locator"), context.CancellationToken).ConfigureAwait(false), Now);

    /// <inheritdoc />
    public override async Task<P.ListNvesResponse> ListNves(P.ListNvesRequest request, ServerCallContext context)
    {
        var response = new P.ListNvesResponse();
        response.Nves.AddRange((await authority.ListNvesAsync(context.CancellationToken).ConfigureAwait(false)).Select(n => ToProto(n, Now)));
        return response;
    }

    /// <inheritdoc />
    public override async Task<P.RemoveNveResponse> RemoveNve(P.RemoveNveRequest request, ServerCallContext context)
    {
        await authority.RemoveNveAsync(request.Name, context.CancellationToken).ConfigureAwait(false);
        return new P.RemoveNveResponse();
    }

    /// <inheritdoc />
    public override async Task<P.VirtualNetwork> CreateVirtualNetwork(P.CreateVirtualNetworkRequest request, ServerCallContext context)
    {
        if (request.Mode == P.NetworkMode.Unspecified)
        {
            throw new NvaException(NvaError.InvalidArgument, "The network mode is missing; choose l2 or l3.");
        }
        if (request.Subnets.Count > authority.Settings.MaxListLength)
        {
            throw new NvaException(NvaError.InvalidArgument, $"Too many subnets: {request.Subnets.Count}; at most {authority.Settings.MaxListLength}.");
        }
        var requested = FromProto(new P.VirtualNetwork
        {
            Vni = request.Vni,
            Name = request.Name,
            Mode = request.Mode,
            Subnets = { request.Subnets },
            Gateways = { request.Gateways },
            CacheLifetimeMs = request.CacheLifetimeMs,
            IlaSirPrefix = request.IlaSirPrefix,
        });
        return ToProto(await authority.CreateVirtualNetworkAsync(requested, context.CancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public override async Task<P.ListVirtualNetworksResponse> ListVirtualNetworks(P.ListVirtualNetworksRequest request, ServerCallContext context)
    {
        var response = new P.ListVirtualNetworksResponse();
        response.Networks.AddRange((await authority.ListVirtualNetworksAsync(context.CancellationToken).ConfigureAwait(false)).Select(ToProto));
        return response;
    }

    /// <inheritdoc />
    public override async Task<P.DeleteVirtualNetworkResponse> DeleteVirtualNetwork(P.DeleteVirtualNetworkRequest request, ServerCallContext context)
    {
        await authority.DeleteVirtualNetworkAsync(request.Vni, request.Force, context.CancellationToken).ConfigureAwait(false);
        return new P.DeleteVirtualNetworkResponse();
    }

    /// <inheritdoc />
    public override async Task<P.Binding> Attach(P.AttachRequest request, ServerCallContext context) =>
        Map(await authority.AttachAsync(new AttachRequest(request.Vni, Arguments.ParseMac(request.Mac), ParseIps(request.Ips), request.Nve,
            string.IsNullOrEmpty(request.Name) ? null : request.Name, request.Sticky), context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.DetachResponse> Detach(P.DetachRequest request, ServerCallContext context)
    {
        var (vni, mac) = await ResolveAsync(request.Name, request.Vni, request.Mac, context.CancellationToken).ConfigureAwait(false);
        await authority.DetachAsync(vni, mac, context.CancellationToken).ConfigureAwait(false);
        return new P.DetachResponse();
    }

    /// <inheritdoc />
    public override async Task<P.Binding> Associate(P.AssociateRequest request, ServerCallContext context) =>
        Map(await authority.AssociateAsync(new AttachRequest(request.Vni, Arguments.ParseMac(request.Mac), ParseIps(request.Ips), request.Nve,
            string.IsNullOrEmpty(request.Name) ? null : request.Name, request.Sticky), context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Binding> Activate(P.ActivateRequest request, ServerCallContext context) =>
        Map(await authority.ActivateAsync(new ActivateRequest(request.Vni, Arguments.ParseMac(request.Mac), request.Nve,
            FromProto(request.Trigger), (long)request.Sequence, ParseIps(request.ClaimedIps)), context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Binding> ConfirmActivation(P.ActivateRequest request, ServerCallContext context) =>
        Map(await authority.ConfirmActivationAsync(new ActivateRequest(request.Vni, Arguments.ParseMac(request.Mac), request.Nve,
            FromProto(request.Trigger), (long)request.Sequence, ParseIps(request.ClaimedIps)), context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Binding> Deactivate(P.PlacementRequest request, ServerCallContext context) =>
        Map(await authority.DeactivateAsync(request.Vni, Arguments.ParseMac(request.Mac), request.Nve, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Binding> Disassociate(P.PlacementRequest request, ServerCallContext context) =>
        Map(await authority.DisassociateAsync(request.Vni, Arguments.ParseMac(request.Mac), request.Nve, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Binding> ClearDuplicate(P.BindingKey request, ServerCallContext context) =>
        Map(await authority.ClearDuplicateAsync(request.Vni, Arguments.ParseMac(request.Mac), context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.ListBindingsResponse> ListBindings(P.ListBindingsRequest request, ServerCallContext context)
    {
        var (bindings, revision) = await authority.ListBindingsAsync(request.Vni == 0 ? null : request.Vni,
            string.IsNullOrEmpty(request.Nve) ? null : request.Nve, context.CancellationToken).ConfigureAwait(false);
        var response = new P.ListBindingsResponse { Revision = revision };
        response.Bindings.AddRange(bindings.Select(Map));
        return response;
    }

    /// <inheritdoc />
    public override async Task<P.LookupResponse> LookupByIp(P.LookupByIpRequest request, ServerCallContext context) =>
        MapLookup(await authority.LookupByIpAsync(request.Vni, Arguments.ParseIp(request.Ip), request.MinRevision, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.LookupResponse> LookupByMac(P.LookupByMacRequest request, ServerCallContext context) =>
        MapLookup(await authority.LookupByMacAsync(request.Vni, Arguments.ParseMac(request.Mac), request.MinRevision, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.SnapshotResponse> Snapshot(P.SnapshotRequest request, ServerCallContext context)
    {
        var s = await authority.SnapshotAsync(Vnis(request.Vnis), context.CancellationToken).ConfigureAwait(false);
        var response = new P.SnapshotResponse { Revision = s.Revision };
        response.Networks.AddRange(s.Networks.Select(ToProto));
        response.Nves.AddRange(s.Nves.Select(n => ToProto(n, Now)));
        response.Bindings.AddRange(s.Bindings.Select(Map));
        response.Redirects.AddRange(s.Redirects.Select(ToProto));
        response.Migrations.AddRange(s.Migrations.Select(Map));
        return response;
    }

    /// <inheritdoc />
    public override async Task<P.Migration> BeginMigration(P.BeginMigrationRequest request, ServerCallContext context)
    {
        var mac = string.IsNullOrEmpty(request.Name) ? Arguments.ParseMac(request.Mac) : default;
        return Map(await authority.BeginMigrationAsync(new BeginMigrationRequest(string.IsNullOrEmpty(request.Name) ? null : request.Name,
            request.Vni, mac, request.Destination, FromProto(request.Mode), string.IsNullOrEmpty(request.RequestId) ? null : request.RequestId),
            context.CancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public override async Task<P.Migration> PauseMigration(P.MigrationRef request, ServerCallContext context) =>
        Map(await authority.PauseMigrationAsync(request.Id, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Migration> CommitMigration(P.MigrationRef request, ServerCallContext context) =>
        Map(await authority.CommitMigrationAsync(request.Id, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Migration> AbortMigration(P.AbortMigrationRequest request, ServerCallContext context) =>
        Map(await authority.AbortMigrationAsync(request.Id, request.Reason, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Migration> SettleMigration(P.SettleMigrationRequest request, ServerCallContext context) =>
        Map(await authority.SettleMigrationAsync(request.Id, request.By, context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<P.Migration> GetMigration(P.MigrationRef request, ServerCallContext context) =>
        Map(await authority.GetMigrationAsync(request.Id, context.CancellationToken).ConfigureAwait(false)
            ?? throw new NvaException(NvaError.NotFound, $"No migration '{request.Id}'; list them with nvo3 migration list."));

    /// <inheritdoc />
    public override async Task<P.ListMigrationsResponse> ListMigrations(P.ListMigrationsRequest request, ServerCallContext context)
    {
        var response = new P.ListMigrationsResponse();
        response.Migrations.AddRange((await authority.ListMigrationsAsync(context.CancellationToken).ConfigureAwait(false))
            .Where(m => !request.OpenOnly || m.IsOpen).Select(Map));
        return response;
    }

    /// <inheritdoc />
    public override async Task<P.StatusResponse> Status(P.StatusRequest request, ServerCallContext context)
    {
        var server = replica.Server ?? throw new NvaException(NvaError.Unavailable, "The NVA is still starting.");
        return new P.StatusResponse
        {
            Replica = server.Election.Candidate,
            Leader = server.IsLeader,
            LeaderReplica = await server.Election.GetLeaderAsync(context.CancellationToken).ConfigureAwait(false) ?? "",
            Revision = Math.Max(hub.View.Revision, authority.LastCommittedRevision),
            Store = authority.Store.Description,
            Watchers = hub.SubscriberCount,
            Failovers = server.Failovers,
            Settled = server.SettledMigrations,
            LoopFailures = hub.Loop.Failures + server.LeaderLoop.Failures + server.HousekeepingLoop.Failures,
        };
    }

    /// <inheritdoc />
    public override async Task<P.ListRedirectsResponse> ListRedirects(P.ListRedirectsRequest request, ServerCallContext context)
    {
        var response = new P.ListRedirectsResponse();
        response.Redirects.AddRange((await authority.ListRedirectsAsync(context.CancellationToken).ConfigureAwait(false)).Select(ToProto));
        return response;
    }

    private List<IpAddr> ParseIps(IReadOnlyCollection<string> ips)
    {
        if (ips.Count > authority.Settings.MaxListLength)
        {
            throw new NvaException(NvaError.InvalidArgument, $"Too many addresses: {ips.Count}; at most {authority.Settings.MaxListLength} per request.");
        }
        return ips.Select(ip => Arguments.ParseIp(ip)).ToList();
    }

    private async Task<(uint Vni, MacAddress Mac)> ResolveAsync(string name, uint vni, string mac, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
        {
            return (vni, Arguments.ParseMac(mac));
        }
        var binding = await authority.FindByNameAsync(name, cancellationToken).ConfigureAwait(false)
            ?? throw new NvaException(NvaError.NotFound, $"No workload named '{name}'.");
        return (binding.Vni, binding.Mac);
    }

    private P.LookupResponse MapLookup(LookupResult result)
    {
        var response = new P.LookupResponse { Found = result.Found, LifetimeMs = (uint)result.Lifetime.TotalMilliseconds, Revision = hub.View.Revision };
        if (result.Binding is { } b)
        {
            response.Binding = Map(b);
        }
        if (result.Host is { } host)
        {
            response.Host = ToProto(host, Now);
        }
        return response;
    }
}
