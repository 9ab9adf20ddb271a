using Nvo3.Nva;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Nvo3.Migration.Transfer;
using Nvo3.Security;

namespace Nvo3.Migration.Tests;

/// <summary>
/// The state stream in mutual TLS: a move to the NVE the directory names succeeds; state never
/// goes to a destination that proves another identity; a source from another CA, or one the
/// authorizer does not accept, is refused before anything is allocated.
/// </summary>
[Collection(LoopbackCollection.Name)]
public sealed class TlsMigrationTests : IAsyncDisposable
{
    private static readonly WorkloadShape Shape = new() { MemoryBytes = 16L << 20, DiskBytes = 2L << 20 };

    private readonly CertificateAuthority _ca = CertificateAuthority.Create();
    private readonly List<MigrationAgent> _agents = [];
    private readonly List<Workload> _arrived = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
        _ca.Dispose();
    }

    private TlsMaterial Issue(string nve, CertificateAuthority? ca = null) => (ca ?? _ca).IssueMaterial(new IssueRequest { Identity = PeerIdentity.Nve(nve) });

    private async Task<MigrationAgent> StartAsync(string name, TlsMaterial tls, Func<IncomingMigration, CancellationToken, ValueTask<bool>>? authorize = null)
    {
        var agent = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = name, Security = TransportSecurity.MutualTls(tls), Authorize = authorize });
        _agents.Add(agent);
        agent.WorkloadArrived += w =>
        {
            lock (_arrived)
            {
                _arrived.Add(w);
            }
        };
        return agent;
    }

    private static Workload Host(MigrationAgent agent, string name)
    {
        var workload = new Workload(name, Shape);
        workload.Fill(11);
        return agent.Host(workload);
    }

    [Fact]
    public async Task MigrateHot_OverTls_VerifiedAndTheDestinationKnowsTheSource()
    {
        var offers = new List<IncomingMigration>();
        var source = await StartAsync("server-a", Issue("h1"));
        var destination = await StartAsync("server-b", Issue("h2"), (offer, _) =>
        {
            offers.Add(offer);
            return ValueTask.FromResult(offer.Source == PeerIdentity.Nve("h1"));
        });
        var workload = Host(source, "vm-tls");
        MigrationResult result;
        await using (var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 5e6 }))
        {
            result = await source.MigrateHotAsync(workload, new AgentEndPoint(destination.Endpoint, PeerIdentity.Nve("h2")),
                new PreCopySettings { DowntimeLimit = TimeSpan.FromMilliseconds(50) });
        }

        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        var arrived = destination.Find("vm-tls");
        Assert.NotNull(arrived);
        Assert.True(arrived.Memory.Content.SequenceEqual(workload.Memory.Content));
        var offer = Assert.Single(offers);
        Assert.Equal(new IncomingMigration(PeerIdentity.Nve("h1"), "vm-tls", MigrationMode.Hot, "server-a", result.Id, offer.Remote), offer);
    }

    [Fact]
    public async Task MigrateCold_DestinationProvesAnotherIdentity_AbortedBeforeAnyState()
    {
        var source = await StartAsync("server-a", Issue("h1"));
        var evil = await StartAsync("server-b", Issue("evil"));
        var workload = Host(source, "vm-pinned");

        var result = await source.MigrateColdAsync(workload, new AgentEndPoint(evil.Endpoint, PeerIdentity.Nve("h2")));

        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Contains("is nvo3://nve/evil, not nvo3://nve/h2", result.Reason, StringComparison.Ordinal);
        Assert.Equal(0, result.BytesSent);
        Assert.Empty(_arrived);
        Assert.Null(evil.Find("vm-pinned"));
        Assert.Same(workload, source.Find("vm-pinned"));
        Assert.Equal(WorkloadState.Running, workload.State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MigrateCold_UnpinnedAddress_TheIpSanDecides(bool hasSan)
    {
        var source = await StartAsync("server-a", Issue("h1"));
        var destination = await StartAsync("server-b", _ca.IssueMaterial(new IssueRequest { Identity = PeerIdentity.Nve("h2"), SubjectAlternativeNames = hasSan ? ["127.0.0.1"] : [] }));
        var workload = Host(source, "vm-by-address");

        var result = await source.MigrateColdAsync(workload, destination.Endpoint);

        Assert.Equal(hasSan ? MigrationOutcome.Completed : MigrationOutcome.Aborted, result.Outcome);
        Assert.True(hasSan || result.Reason!.Contains("issue its certificate with --san 127.0.0.1, or pin its identity", StringComparison.Ordinal), result.Reason);
    }

    [Fact]
    public async Task MigrateHot_ImpostorDestination_ReceivesNotOneByteAfterTheHandshake()
    {
        var source = await StartAsync("server-a", Issue("h1"));
        using var impostor = Issue("evil");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var received = ReceiveAllAsync(listener, impostor);
        var workload = Host(source, "vm-secret");

        var result = await source.MigrateHotAsync(workload, new AgentEndPoint((IPEndPoint)listener.LocalEndpoint, PeerIdentity.Nve("h2")));

        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Equal(0, await received);
    }

    [Fact]
    public async Task Incoming_ClientFromAnotherCa_RefusedNothingArrives()
    {
        var destination = await StartAsync("server-b", Issue("h2"));
        using var otherCa = CertificateAuthority.Create();
        using var stranger = Issue("h1", otherCa);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(destination.Endpoint);
        await using var ssl = new SslStream(tcp.GetStream(), false);
        var options = stranger.CreateClientOptions(PeerRequirement.Server(PeerIdentity.Nve("h2")));
        // The stranger does not care whom it talks to; only the destination's check can stop it.
        options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        var hello = new HelloMessage(Guid.NewGuid(), MigrationMode.Cold, "vm-stranger", "server-x", Shape);

        var outcome = await Record.ExceptionAsync(async () =>
        {
            await ssl.AuthenticateAsClientAsync(options);
            var writer = new FrameWriter(ssl);
            var buffer = writer.GetPayloadBuffer(hello.Size);
            await writer.SendAsync(FrameType.Hello, hello.Write(buffer.Span));
            // The destination never answers: it dropped the connection in the handshake.
            Assert.Null(await new FrameReader(ssl).ReadAsync());
        });

        Assert.True(outcome is null or IOException or System.Security.Authentication.AuthenticationException, outcome?.ToString());
        Assert.Empty(_arrived);
        Assert.Null(destination.Find("vm-stranger"));
    }

    [Fact]
    public async Task MigrateHot_StrangerTheAuthorizerRefuses_AbortedWithTheReason()
    {
        var stranger = await StartAsync("server-x", Issue("stranger"));
        var destination = await StartAsync("server-b", Issue("h2"), (offer, _) => ValueTask.FromResult(offer.Source == PeerIdentity.Nve("h1")));
        var workload = Host(stranger, "vm-offered");

        var result = await stranger.MigrateHotAsync(workload, new AgentEndPoint(destination.Endpoint, PeerIdentity.Nve("h2")));

        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Contains("does not accept 'vm-offered' from nvo3://nve/stranger", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_arrived);
        Assert.Equal(WorkloadState.Running, workload.State);
    }

    [Fact]
    public async Task MigrateCold_AuthorizerNeverAnswers_RefusedAfterTheHandshakeTimeout()
    {
        var source = await StartAsync("server-a", Issue("h1"));
        var destination = await MigrationAgent.StartAsync(new MigrationAgentOptions
        {
            Name = "server-b",
            Security = TransportSecurity.MutualTls(Issue("h2")),
            HandshakeTimeout = TimeSpan.FromMilliseconds(300),
            Authorize = async (_, cancellationToken) =>
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return true;
            },
        });
        _agents.Add(destination);
        var workload = Host(source, "vm-waiting");

        var result = await source.MigrateColdAsync(workload, new AgentEndPoint(destination.Endpoint, PeerIdentity.Nve("h2")));

        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Contains("could not decide within 0.3 s whether nvo3://nve/h1 may move 'vm-waiting'", result.Reason, StringComparison.Ordinal);
        Assert.Equal(WorkloadState.Running, workload.State);
    }

    [Fact]
    public async Task StartAsync_AuthorizerWithoutTls_ArgumentException()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => MigrationAgent.StartAsync(new MigrationAgentOptions
        {
            Name = "plain",
            Security = TransportSecurity.Insecure,
            Authorize = (_, _) => ValueTask.FromResult(true),
        }));

        Assert.Contains("TLS", ex.Message, StringComparison.Ordinal);
    }

    // An impostor server: completes its side of TLS if the client lets it, and counts every byte it then reads.
    private static async Task<long> ReceiveAllAsync(TcpListener listener, TlsMaterial tls)
    {
        using var socket = await listener.AcceptSocketAsync();
        long total = 0;
        try
        {
            var (stream, _) = await tls.AuthenticateAsServerAsync(new NetworkStream(socket, ownsSocket: false));
            await using (stream)
            {
                var buffer = new byte[64 << 10];
                int n;
                while ((n = await stream.ReadAsync(buffer)) > 0)
                {
                    total += n;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
        {
            // The source broke off the handshake: the expected end.
        }
        return total;
    }
}
