using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nvo3.Hosting;
using Nvo3.Mobility.Emulated;
using Nvo3.Nve;
using Nvo3.Nve.Agent;
using Nvo3.Security;

namespace Nvo3.Mobility.Agent;

/// <summary>
/// The agent an NVE process serves beside its NVE (gRPC over HTTP/2, one endpoint): the port agent
/// (attach, detach, pause, resume, suspend, reactivate and look at ports) and, when the process
/// hosts emulated VMs, the migration service (moves for <c>nvo3 migrate</c>, arrivals from other
/// agents). Does not own the NVE or the host.
/// </summary>
public sealed class AgentServer : IAsyncDisposable
{
    /// <summary>The default port of an NVE's agent (the NVA's is 7470).</summary>
    public const int DefaultPort = PortAgentServer.DefaultPort;

    private readonly WebApplication _app;

    private AgentServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where clients connect: http(s)://HOST:PORT with the actual port.</summary>
    public Uri Address { get; }

    /// <summary>
    /// Starts serving on <paramref name="listen"/> (port 0 picks one) for <paramref name="edge"/>,
    /// and for <paramref name="host"/>'s VMs when given. Throws <see cref="IOException"/> when it cannot listen.
    /// </summary>
    public static async Task<AgentServer> StartAsync(IPEndPoint listen, Edge edge, EmulatedHost? host, TransportSecurity? security = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var (app, address) = await GrpcHost.StartAsync(listen, "The agent", security ?? TransportSecurity.Unspecified, loggerFactory,
            s =>
            {
                PortAgentServer.AddServices(s, edge);
                if (host is not null)
                {
                    s.AddSingleton(host);
                }
            },
            a =>
            {
                PortAgentServer.Map(a);
                if (host is not null)
                {
                    a.MapGrpcService<MigrationsService>();
                }
            },
            cancellationToken).ConfigureAwait(false);
        return new AgentServer(app, address);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(GrpcHost.StopAsync(_app));
}
