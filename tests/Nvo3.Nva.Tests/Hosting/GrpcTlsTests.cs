using Nvo3.Hosting;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nvo3.Nva.Client;
using Nvo3.Nva.Grpc;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Nva.Watch;
using Nvo3.Security;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Tests.Hosting;

/// <summary>The gRPC host with mutual TLS: a client with a certificate from the CA is served and known by its identity; any other is refused.</summary>
public sealed class GrpcTlsTests : IDisposable
{
    private readonly CertificateAuthority _ca = CertificateAuthority.Create();
    private readonly TlsMaterial _nva;

    public GrpcTlsTests() => _nva = Issue(PeerIdentity.Nva("nva1"), "127.0.0.1");

    public void Dispose()
    {
        _nva.Dispose();
        _ca.Dispose();
    }

    private TlsMaterial Issue(PeerIdentity identity, params string[] sans) => _ca.IssueMaterial(new IssueRequest { Identity = identity, SubjectAlternativeNames = sans });

    private static GrpcChannel Channel(Uri address, TlsMaterial? tls, PeerRequirement? server = null)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (tls is not null)
        {
            tls.ConfigureHttpHandler(handler, server);
        }
        else
        {
            // A client that trusts anything and has no certificate of its own.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    // With TLS 1.3 the client learns of the refusal while it sends or while it reads the alert:
    // the client library reports the one as Unavailable, the other as Internal.
    private static void AssertRefusedInHandshake(RpcException ex) => Assert.Contains(ex.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });

    private static Task<P.ListVirtualNetworksResponse> ListAsync(GrpcChannel channel) =>
        new P.Directory.DirectoryClient(channel).ListVirtualNetworksAsync(new P.ListVirtualNetworksRequest(), deadline: DateTime.UtcNow.AddSeconds(20)).ResponseAsync;

    [Fact]
    public async Task NvaServer_ClientWithCertificate_Served()
    {
        await using var server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0", Security = TransportSecurity.MutualTls(_nva) });
        using var alice = Issue(PeerIdentity.Operator("alice"));
        await server.Authority.CreateVirtualNetworkAsync(new VirtualNetwork(100, "blue", NetworkMode.L2, [Packets.IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(1)));

        Assert.Equal("https", server.Address.Scheme);
        // Pinned to the NVA's identity, and by the IP SAN of the host dialled: both pass.
        using var pinned = Channel(server.Address, alice, PeerRequirement.Server(PeerIdentity.Nva("nva1")));
        using var byHost = Channel(server.Address, alice);
        Assert.Equal("blue", Assert.Single((await ListAsync(pinned)).Networks).Name);
        Assert.Single((await ListAsync(byHost)).Networks);
    }

    [Fact]
    public async Task NvaServer_ClientWithoutCertificate_Refused()
    {
        await using var server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0", Security = TransportSecurity.MutualTls(_nva) });
        using var anonymous = Channel(server.Address, null);

        var ex = await Assert.ThrowsAsync<RpcException>(() => ListAsync(anonymous));

        AssertRefusedInHandshake(ex);
    }

    [Fact]
    public async Task NvaServer_ClientFromAnotherCa_RefusedAndLogged()
    {
        var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0", Security = TransportSecurity.MutualTls(_nva) },
            loggerFactory: loggerFactory);
        using var otherCa = CertificateAuthority.Create();
        using var stranger = otherCa.IssueMaterial(new IssueRequest { Identity = PeerIdentity.Operator("alice") });
        // The stranger trusts our NVA's CA, so only the NVA's check of the client can refuse it.
        var handler = new SocketsHttpHandler();
        stranger.ConfigureHttpHandler(handler);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = handler });

        var ex = await Assert.ThrowsAsync<RpcException>(() => ListAsync(channel));

        AssertRefusedInHandshake(ex);
        Assert.Contains(logs.Warnings, w => w.Contains("refused a TLS client", StringComparison.Ordinal) && w.Contains("not by this overlay's CA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NvaServer_ServerOfAnotherIdentity_ClientRefusesIt()
    {
        await using var server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0", Security = TransportSecurity.MutualTls(_nva) });
        using var alice = Issue(PeerIdentity.Operator("alice"));
        string? reason = null;
        var handler = new SocketsHttpHandler();
        alice.ConfigureHttpHandler(handler, PeerRequirement.Server(PeerIdentity.Nva("nva2")), r => reason = r);
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = handler });

        // The call fails (gRPC reports the handshake as Internal); the reason is the handler's to log.
        await Assert.ThrowsAsync<RpcException>(() => ListAsync(channel));

        Assert.Contains("is nvo3://nva/nva1, not nvo3://nva/nva2", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NvaServer_PlainTextClient_FailsUnavailable()
    {
        await using var server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0", Security = TransportSecurity.MutualTls(_nva) });
        using var plain = new NvaClient(new UriBuilder(server.Address) { Scheme = "http" }.Uri);

        var ex = await Assert.ThrowsAsync<NvaException>(() => plain.ListVirtualNetworksAsync());

        Assert.Equal(NvaError.Unavailable, ex.Error);
        Assert.Contains("HTTP/2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NvaServer_Insecure_ServesPlainTextAndWarns()
    {
        var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0", Security = TransportSecurity.Insecure },
            loggerFactory: loggerFactory);
        using var client = new NvaClient(server.Address);

        Assert.Empty(await client.ListVirtualNetworksAsync());
        Assert.Equal("http", server.Address.Scheme);
        Assert.Contains(logs.Warnings, w => w.Contains("The NVA serves plain text", StringComparison.Ordinal) && w.Contains("--insecure", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, "nvo3://operator/alice")]
    [InlineData(false, "")]
    public async Task PeerIdentity_InAService_TheCallersOrNoneOverPlainText(bool tls, string expected)
    {
        var recorder = new IdentityRecorder();
        var authority = new Authority(new MemoryStore());
        await using var hub = new WatchHub(authority, 16, 16);
        var (app, address) = await GrpcHost.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), "The test", tls ? TransportSecurity.MutualTls(_nva) : TransportSecurity.Insecure, null,
            s =>
            {
                s.AddSingleton(authority);
                s.AddSingleton(hub);
                s.AddSingleton(new ReplicaStatus());
                s.AddSingleton(recorder);
                s.AddGrpc(o => o.Interceptors.Add<IdentityRecorder.Interceptor>());
            },
            a => a.MapGrpcService<DirectoryService>());
        try
        {
            using var alice = Issue(PeerIdentity.Operator("alice"));
            using var channel = tls ? Channel(address, alice) : GrpcChannel.ForAddress(address);

            await ListAsync(channel);

            Assert.Equal(expected, recorder.Seen?.ToString() ?? "");
        }
        finally
        {
            await GrpcHost.StopAsync(app);
            await authority.Store.DisposeAsync();
        }
    }

    /// <summary>What <see cref="CallerIdentity.PeerIdentity"/> said in the last call.</summary>
    private sealed class IdentityRecorder
    {
        public PeerIdentity? Seen { get; set; }

        public sealed class Interceptor(IdentityRecorder recorder) : global::Grpc.Core.Interceptors.Interceptor
        {
            public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
            {
                recorder.Seen = context.PeerIdentity();
                return continuation(request, context);
            }
        }
    }
}
