using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Nvo3.Packets;
using P = Nvo3.Protocol.V1;
using static Nvo3.Nva.Grpc.ProtoMapping;

namespace Nvo3.Nva.Client;

/// <summary>
/// The NVA's gRPC client with the directory's own types: what NVEs, agents and the CLI use.
/// Every refusal arrives as an <see cref="NvaException"/> with the NVA's message; an NVA that
/// cannot be reached gives <see cref="NvaError.Unavailable"/>. Thread-safe; owns its channel.
/// </summary>
public sealed class NvaClient : IDirectoryClient, IMigrationDirectory, IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly P.Directory.DirectoryClient _client;

    /// <summary>Connects (lazily) to the NVA at <paramref name="address"/> (http://HOST:PORT).</summary>
    public NvaClient(Uri address)
    {
        Address = address;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                ConnectTimeout = TimeSpan.FromSeconds(3),
            },
        });
        _client = new P.Directory.DirectoryClient(_channel);
    }

    /// <summary>The NVA's default gRPC port.</summary>
    public const int DefaultPort = 7470;

    /// <summary>The NVA's address.</summary>
    public Uri Address { get; }

    /// <summary>Parses "HOST:PORT" or "http://HOST:PORT" into an address; throws <see cref="ArgumentException"/> saying what to write.</summary>
    public static Uri ParseAddress(string text)
    {
        string candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host) && uri.AbsolutePath == "/")
        {
            return uri;
        }
        throw new ArgumentException($"'{text}' is not an NVA address; write HOST:PORT or http://HOST:PORT, like 127.0.0.1:7470.");
    }

    /// <summary>The directory's raw gRPC client, for calls this wrapper does not cover.</summary>
    public P.Directory.DirectoryClient Raw => _client;

    /// <summary>Registers an NVE with a lease.</summary>
    public Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, CancellationToken cancellationToken = default) =>
        RegisterNveAsync(name, underlay, ilaLocator, lease, agent: null, cancellationToken);

    /// <summary>Registers an NVE with a lease, naming the agent that runs beside it.</summary>
    public Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, Uri? agent, CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            var request = new P.RegisterNveRequest { Name = name, IlaLocator = FormatPrefix64(ilaLocator), LeaseSeconds = (uint)lease.TotalSeconds, Agent = agent?.ToString() ?? "" };
            request.Underlay.AddRange(underlay.Select(ToProto));
            return FromProto((await _client.RegisterNveAsync(request, cancellationToken: cancellationToken)).Nve);
        });

    /// <summary>Renews an NVE's lease; returns when it expires.</summary>
    public Task<DateTimeOffset> KeepAliveAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromUnixMs((await _client.KeepAliveAsync(new P.KeepAliveRequest { Name = name }, cancellationToken: cancellationToken)).LeaseExpiresUnixMs) ?? DateTimeOffset.MaxValue);

    /// <summary>Adds an external NVE (no lease).</summary>
    public Task<NveRecord> AddNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator = null, CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            var request = new P.AddNveRequest { Name = name, IlaLocator = FormatPrefix64(ilaLocator) };
            request.Underlay.AddRange(underlay.Select(ToProto));
            return FromProto(await _client.AddNveAsync(request, cancellationToken: cancellationToken));
        });

    /// <summary>Lists NVEs with their liveness as the NVA sees it.</summary>
    public Task<IReadOnlyList<(NveRecord Nve, bool Alive)>> ListNvesAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<(NveRecord, bool)>>(async () =>
            (await _client.ListNvesAsync(new P.ListNvesRequest(), cancellationToken: cancellationToken)).Nves.Select(n => (FromProto(n), n.Alive)).ToList());

    /// <summary>Removes an NVE.</summary>
    public Task RemoveNveAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.RemoveNveAsync(new P.RemoveNveRequest { Name = name }, cancellationToken: cancellationToken));

    /// <summary>Creates a virtual network (a zero cache lifetime takes the NVA's default).</summary>
    public Task<VirtualNetwork> CreateVirtualNetworkAsync(VirtualNetwork network, CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            var p = ToProto(network);
            var request = new P.CreateVirtualNetworkRequest { Vni = p.Vni, Name = p.Name, Mode = p.Mode, CacheLifetimeMs = p.CacheLifetimeMs, IlaSirPrefix = p.IlaSirPrefix };
            request.Subnets.AddRange(p.Subnets);
            request.Gateways.AddRange(p.Gateways);
            return FromProto(await _client.CreateVirtualNetworkAsync(request, cancellationToken: cancellationToken));
        });

    /// <summary>Lists virtual networks.</summary>
    public Task<IReadOnlyList<VirtualNetwork>> ListVirtualNetworksAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<VirtualNetwork>>(async () =>
            (await _client.ListVirtualNetworksAsync(new P.ListVirtualNetworksRequest(), cancellationToken: cancellationToken)).Networks.Select(FromProto).ToList());

    /// <summary>Deletes a virtual network (with <paramref name="force"/>, its bindings too).</summary>
    public Task DeleteVirtualNetworkAsync(uint vni, bool force, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.DeleteVirtualNetworkAsync(new P.DeleteVirtualNetworkRequest { Vni = vni, Force = force }, cancellationToken: cancellationToken));

    /// <summary>Creates a binding Activated at its NVE.</summary>
    public Task<Binding> AttachAsync(AttachRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            var m = new P.AttachRequest { Vni = request.Vni, Mac = request.Mac.ToString(), Nve = request.Nve, Sticky = request.Sticky, Name = request.Name ?? "" };
            m.Ips.AddRange(request.Ips.Select(ip => ip.ToString()));
            return FromProto(await _client.AttachAsync(m, cancellationToken: cancellationToken));
        });

    /// <summary>Associates a binding at an NVE.</summary>
    public Task<Binding> AssociateAsync(AttachRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            var m = new P.AssociateRequest { Vni = request.Vni, Mac = request.Mac.ToString(), Nve = request.Nve, Sticky = request.Sticky, Name = request.Name ?? "" };
            m.Ips.AddRange(request.Ips.Select(ip => ip.ToString()));
            return FromProto(await _client.AssociateAsync(m, cancellationToken: cancellationToken));
        });

    /// <summary>Removes a binding by VNI and MAC.</summary>
    public Task DetachAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.DetachAsync(new P.DetachRequest { Vni = vni, Mac = mac.ToString() }, cancellationToken: cancellationToken));

    /// <summary>Removes a binding by workload name.</summary>
    public Task DetachAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.DetachAsync(new P.DetachRequest { Name = name }, cancellationToken: cancellationToken));

    /// <summary>Claims a binding for an NVE.</summary>
    public Task<Binding> ActivateAsync(ActivateRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            var m = new P.ActivateRequest { Vni = request.Vni, Mac = request.Mac.ToString(), Nve = request.Nve, Trigger = ToProto(request.Trigger), Sequence = (ulong)request.Sequence };
            m.ClaimedIps.AddRange((request.ClaimedIps ?? []).Select(ip => ip.ToString()));
            return FromProto(await _client.ActivateAsync(m, cancellationToken: cancellationToken));
        });

    /// <summary>Takes a binding out of forwarding at an NVE.</summary>
    public Task<Binding> DeactivateAsync(uint vni, MacAddress mac, string nve, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromProto(await _client.DeactivateAsync(new P.PlacementRequest { Vni = vni, Mac = mac.ToString(), Nve = nve }, cancellationToken: cancellationToken)));

    /// <summary>Removes a binding's placement at an NVE.</summary>
    public Task<Binding> DisassociateAsync(uint vni, MacAddress mac, string nve, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromProto(await _client.DisassociateAsync(new P.PlacementRequest { Vni = vni, Mac = mac.ToString(), Nve = nve }, cancellationToken: cancellationToken)));

    /// <summary>Clears a binding's duplicate flag and freeze.</summary>
    public Task<Binding> ClearDuplicateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromProto(await _client.ClearDuplicateAsync(new P.BindingKey { Vni = vni, Mac = mac.ToString() }, cancellationToken: cancellationToken)));

    /// <summary>Lists bindings (all, of one VNI, or placed at one NVE).</summary>
    public Task<IReadOnlyList<Binding>> ListBindingsAsync(uint? vni = null, string? nve = null, CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<Binding>>(async () =>
            (await _client.ListBindingsAsync(new P.ListBindingsRequest { Vni = vni ?? 0, Nve = nve ?? "" }, cancellationToken: cancellationToken)).Bindings.Select(FromProto).ToList());

    /// <summary>Who has <paramref name="ip"/> in <paramref name="vni"/>.</summary>
    public Task<LookupResult> LookupByIpAsync(uint vni, IpAddr ip, string askingNve = "", CancellationToken cancellationToken = default) =>
        CallAsync(async () => MapLookup(await _client.LookupByIpAsync(new P.LookupByIpRequest { Vni = vni, Ip = ip.ToString(), AskingNve = askingNve }, cancellationToken: cancellationToken)));

    /// <summary>Where <paramref name="mac"/> is in <paramref name="vni"/>.</summary>
    public Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, string askingNve = "", CancellationToken cancellationToken = default) =>
        CallAsync(async () => MapLookup(await _client.LookupByMacAsync(new P.LookupByMacRequest { Vni = vni, Mac = mac.ToString(), AskingNve = askingNve }, cancellationToken: cancellationToken)));

    /// <summary>Everything at one revision.</summary>
    public Task<DirectorySnapshot> SnapshotAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            var s = await _client.SnapshotAsync(new P.SnapshotRequest(), cancellationToken: cancellationToken);
            return new DirectorySnapshot(s.Revision, s.Networks.Select(FromProto).ToList(), s.Nves.Select(FromProto).ToList(),
                s.Bindings.Select(FromProto).ToList(), s.Redirects.Select(FromProto).ToList(), s.Migrations.Select(FromProto).ToList());
        });

    /// <summary>
    /// Streams changes from <paramref name="fromRevision"/> (0: from now). Ends after a
    /// <see cref="ChangeKind.Resync"/> change: take a snapshot and watch again from its revision + 1.
    /// </summary>
    public async IAsyncEnumerable<DirectoryChange> WatchAsync(long fromRevision, string nve = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = _client.Watch(new P.WatchRequest { FromRevision = fromRevision, Nve = nve }, cancellationToken: cancellationToken);
        var stream = call.ResponseStream;
        while (true)
        {
            P.WatchResponse response;
            try
            {
                if (!await stream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }
                response = stream.Current;
            }
            catch (RpcException ex)
            {
                throw Translate(ex);
            }
            yield return FromWatch(response);
            if (response.Resync)
            {
                yield break;
            }
        }
    }

    /// <summary>Records a migration.</summary>
    public Task<Migration> BeginMigrationAsync(BeginMigrationRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromProto(await _client.BeginMigrationAsync(new P.BeginMigrationRequest
        {
            Name = request.Name ?? "",
            Vni = request.Vni,
            Mac = request.Name is null ? request.Mac.ToString() : "",
            Destination = request.Destination,
            Mode = ToProto(request.Mode),
        }, cancellationToken: cancellationToken)));

    /// <summary>Records the pause at the source: the redirect becomes active.</summary>
    public Task<Migration> PauseMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromProto(await _client.PauseMigrationAsync(new P.MigrationRef { Id = id }, cancellationToken: cancellationToken)));

    /// <summary>Completes an activated migration.</summary>
    public Task<Migration> CommitMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromProto(await _client.CommitMigrationAsync(new P.MigrationRef { Id = id }, cancellationToken: cancellationToken)));

    /// <summary>Gives a migration up before its switchover.</summary>
    public Task<Migration> AbortMigrationAsync(string id, string reason, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromProto(await _client.AbortMigrationAsync(new P.AbortMigrationRequest { Id = id, Reason = reason }, cancellationToken: cancellationToken)));

    /// <summary>Reads one migration.</summary>
    public Task<Migration> GetMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(async () => FromProto(await _client.GetMigrationAsync(new P.MigrationRef { Id = id }, cancellationToken: cancellationToken)));

    /// <summary>Lists migrations.</summary>
    public Task<IReadOnlyList<Migration>> ListMigrationsAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<Migration>>(async () =>
            (await _client.ListMigrationsAsync(new P.ListMigrationsRequest(), cancellationToken: cancellationToken)).Migrations.Select(FromProto).ToList());

    /// <summary>Lists redirects.</summary>
    public Task<IReadOnlyList<Redirect>> ListRedirectsAsync(CancellationToken cancellationToken = default) =>
        CallAsync<IReadOnlyList<Redirect>>(async () =>
            (await _client.ListRedirectsAsync(new P.ListRedirectsRequest(), cancellationToken: cancellationToken)).Redirects.Select(FromProto).ToList());

    /// <summary>Turns a gRPC failure into the directory's refusal type.</summary>
    public NvaException Translate(RpcException ex) => new(ex.StatusCode switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => NvaError.InvalidArgument,
        StatusCode.NotFound => NvaError.NotFound,
        StatusCode.AlreadyExists => NvaError.AlreadyExists,
        StatusCode.FailedPrecondition => NvaError.FailedPrecondition,
        StatusCode.Aborted => NvaError.Aborted,
        _ => NvaError.Unavailable,
    }, ex.StatusCode switch
    {
        StatusCode.Unavailable => $"Cannot reach the NVA at {Address} ({ex.Status.Detail}); is nvo3 nva serve running there?",
        StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled => $"The NVA at {Address} failed: {ex.Status.Detail}",
        _ => ex.Status.Detail,
    });

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Translate(ex);
        }
    }

    private async Task CallAsync<T>(Func<AsyncUnaryCall<T>> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Translate(ex);
        }
    }

    private static LookupResult MapLookup(P.LookupResponse r) => new(
        r.Found ? FromProto(r.Binding) : null,
        r.Host is null ? null : FromProto(r.Host),
        TimeSpan.FromMilliseconds(r.LifetimeMs));

    private static DirectoryChange FromWatch(P.WatchResponse r) => r.ChangeCase switch
    {
        P.WatchResponse.ChangeOneofCase.Network => new DirectoryChange(r.Revision, ChangeKind.NetworkPut, "", Network: FromProto(r.Network)),
        P.WatchResponse.ChangeOneofCase.NetworkDeleted => new DirectoryChange(r.Revision, ChangeKind.NetworkDeleted, "", Vni: r.NetworkDeleted),
        P.WatchResponse.ChangeOneofCase.Nve => new DirectoryChange(r.Revision, ChangeKind.NvePut, "", Nve: FromProto(r.Nve)),
        P.WatchResponse.ChangeOneofCase.NveDeleted => new DirectoryChange(r.Revision, ChangeKind.NveDeleted, "", Name: r.NveDeleted),
        P.WatchResponse.ChangeOneofCase.Binding => new DirectoryChange(r.Revision, ChangeKind.BindingPut, "", Binding: FromProto(r.Binding)),
        P.WatchResponse.ChangeOneofCase.BindingDeleted => new DirectoryChange(r.Revision, ChangeKind.BindingDeleted, "",
            Vni: r.BindingDeleted.Vni, Mac: Arguments.ParseMac(r.BindingDeleted.Mac)),
        P.WatchResponse.ChangeOneofCase.Redirect => new DirectoryChange(r.Revision, ChangeKind.RedirectPut, "", Redirect: FromProto(r.Redirect)),
        P.WatchResponse.ChangeOneofCase.RedirectDeleted => new DirectoryChange(r.Revision, ChangeKind.RedirectDeleted, "",
            Vni: r.RedirectDeleted.Vni, Mac: Arguments.ParseMac(r.RedirectDeleted.Mac), Name: r.RedirectDeleted.OldNve),
        P.WatchResponse.ChangeOneofCase.Migration => new DirectoryChange(r.Revision, ChangeKind.MigrationPut, "", Migration: FromProto(r.Migration)),
        P.WatchResponse.ChangeOneofCase.MigrationDeleted => new DirectoryChange(r.Revision, ChangeKind.MigrationDeleted, "", Name: r.MigrationDeleted),
        _ => new DirectoryChange(r.Revision, r.Resync ? ChangeKind.Resync : ChangeKind.None, ""),
    };

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();
}
