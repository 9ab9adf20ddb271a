using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Packets;
using Nvo3.Security;

namespace Nvo3.Nva.Tests.Hosting;

/// <summary>
/// The NVA over mutual TLS, attacked as the draft's section 9 fears: a client without a
/// certificate, an NVE certificate acting for another NVE or doing an operator's work. Each is
/// refused and the directory is unchanged; the rightful caller is served.
/// </summary>
public sealed class AccessTests : IAsyncLifetime
{
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:01");
    private readonly CertificateAuthority _ca = CertificateAuthority.Create();
    private readonly List<IDisposable> _owned = [];
    private NvaServer _server = null!;
    private NvaClient _operator = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions
        {
            Listen = "127.0.0.1:0",
            Security = TransportSecurity.MutualTls(Issue(PeerIdentity.Nva("nva1"), "127.0.0.1")),
        });
        _operator = Client(PeerIdentity.Operator("alice"));
        await _operator.CreateVirtualNetworkAsync(new VirtualNetwork(100, "blue", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(1)));
        await Client(PeerIdentity.Nve("h1")).RegisterNveAsync("h1", [UnderlayEndpoint.Parse("192.0.2.1")], null, TimeSpan.FromMinutes(5));
        await Client(PeerIdentity.Nve("h2")).RegisterNveAsync("h2", [UnderlayEndpoint.Parse("192.0.2.2")], null, TimeSpan.FromMinutes(5));
        await _operator.AttachAsync(new AttachRequest(100, Mac, [IpAddr.Parse("10.0.0.5")], "h1", "vm1"));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
        _ca.Dispose();
    }

    private TlsMaterial Issue(PeerIdentity identity, params string[] sans)
    {
        var tls = _ca.IssueMaterial(new IssueRequest { Identity = identity, SubjectAlternativeNames = sans });
        _owned.Add(tls);
        return tls;
    }

    private NvaClient Client(PeerIdentity identity)
    {
        var client = new NvaClient([_server.Address], Issue(identity));
        _owned.Add(client);
        return client;
    }

    private async Task AssertDeniedAsync(Func<Task> call, string expected)
    {
        var ex = await Assert.ThrowsAsync<NvaException>(call);
        Assert.Equal(NvaError.PermissionDenied, ex.Error);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainTextClient_ToTheTlsNva_RefusedAndNothingWritten()
    {
        using var plain = new NvaClient(new Uri(_server.Address.ToString().Replace("https://", "http://", StringComparison.Ordinal)));

        await Assert.ThrowsAsync<NvaException>(() => plain.CreateVirtualNetworkAsync(new VirtualNetwork(200, "red", NetworkMode.L2, [IpPrefix.Parse("10.1.0.0/24")], [], TimeSpan.FromSeconds(1))));

        Assert.Equal([100u], (await _operator.ListVirtualNetworksAsync()).Select(n => n.Vni));
    }

    [Fact]
    public async Task NveCertificateEvil_RegisteringOrActivatingAsH1_Denied()
    {
        var evil = Client(PeerIdentity.Nve("evil"));

        await AssertDeniedAsync(() => evil.RegisterNveAsync("h1", [UnderlayEndpoint.Parse("127.0.0.99")], null, TimeSpan.FromMinutes(5)), "acts only as itself");
        await AssertDeniedAsync(() => evil.KeepAliveAsync("h1"), "acts only as itself");
        await AssertDeniedAsync(() => evil.ActivateAsync(new ActivateRequest(100, Mac, "h1", MoveTrigger.Garp, 2)), "acts only as itself");

        var h1 = (await _operator.ListNvesAsync()).Single(n => n.Nve.Name == "h1").Nve;
        Assert.Equal(UnderlayEndpoint.Parse("192.0.2.1"), h1.Primary);
        Assert.Equal("h1", (await _operator.ListBindingsAsync(100)).Single().ActiveNve);
    }

    [Fact]
    public async Task NveCertificate_OperatorsWork_Denied()
    {
        var h1 = Client(PeerIdentity.Nve("h1"));

        await AssertDeniedAsync(() => h1.CreateVirtualNetworkAsync(new VirtualNetwork(200, "red", NetworkMode.L2, [IpPrefix.Parse("10.1.0.0/24")], [], TimeSpan.FromSeconds(1))), "needs an operator's certificate");
        await AssertDeniedAsync(() => h1.RemoveNveAsync("h2"), "needs an operator's certificate");
        await AssertDeniedAsync(() => h1.DetachAsync(100, Mac), "needs an operator's certificate");

        Assert.Single(await _operator.ListVirtualNetworksAsync());
        Assert.Single(await _operator.ListBindingsAsync(100));
    }

    [Fact]
    public async Task NveCertificate_MovesOnlyWhatIsActiveAtItself()
    {
        var h2 = Client(PeerIdentity.Nve("h2"));
        var h1 = Client(PeerIdentity.Nve("h1"));

        // h2 may not take vm1 from h1 by starting a migration, nor claim it unplanned as h1.
        await AssertDeniedAsync(() => h2.BeginMigrationAsync(new BeginMigrationRequest(null, 100, Mac, "h2", MigrationMode.Hot)), "for h1");
        Assert.Empty(await _operator.ListMigrationsAsync());

        // h1, where vm1 runs, may move it; both ends may then see it through.
        var migration = await h1.BeginMigrationAsync(new BeginMigrationRequest(null, 100, Mac, "h2", MigrationMode.Hot));
        var stranger = Client(PeerIdentity.Nve("h3"));
        await AssertDeniedAsync(() => stranger.AbortMigrationAsync(migration.Id, "mine now"), "for h1");
        await h1.PauseMigrationAsync(migration.Id);
        Assert.Equal(MigrationPhase.Paused, (await _operator.GetMigrationAsync(migration.Id)).Phase);
    }

    [Fact]
    public async Task NveCertificate_ReadsTheDirectory()
    {
        var h2 = Client(PeerIdentity.Nve("h2"));

        var found = await h2.LookupByMacAsync(100, Mac, "h2");

        Assert.Equal("h1", found.Binding?.ActiveNve);
    }

    [Fact]
    public async Task NveCertificate_HealthAndReflection_ServedOverMutualTls()
    {
        // A load balancer or grpcurl holding any certificate of the CA: an NVE's is the least privileged.
        var tls = Issue(PeerIdentity.Nve("h2"));
        var handler = new SocketsHttpHandler();
        tls.ConfigureHttpHandler(handler);
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(_server.Address, new global::Grpc.Net.Client.GrpcChannelOptions { HttpHandler = handler });

        var health = await new global::Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());

        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        using var reflection = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await reflection.RequestStream.CompleteAsync();
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("nvo3.v1.Directory", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task IsOpen_HealthAndReflectionOnly_DirectoryMethodsStayClosed()
    {
        Assert.True(Nva.Grpc.AccessRules.IsOpen("/grpc.health.v1.Health/Check"));
        Assert.True(Nva.Grpc.AccessRules.IsOpen("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
        Assert.False(Nva.Grpc.AccessRules.IsOpen("/nvo3.v1.Directory/CreateVirtualNetwork"));
        Assert.False(Nva.Grpc.AccessRules.IsOpen("/nvo3.v1.Directory/Check"));

        // Opening health did not open the operator's methods to an NVE.
        var h1 = Client(PeerIdentity.Nve("h1"));
        await AssertDeniedAsync(() => h1.CreateVirtualNetworkAsync(new VirtualNetwork(300, "green", NetworkMode.L2, [IpPrefix.Parse("10.3.0.0/24")], [], TimeSpan.FromSeconds(1))), "needs an operator's certificate");
    }
}
