using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nvo3.Hosting;

namespace Nvo3.Nve.Agent;

/// <summary>
/// Hosts the <see cref="PortAgentService"/> of one NVE alone (gRPC over HTTP/2 without TLS), for
/// tests and tools; <c>nvo3 nve run --agent-listen</c> serves it beside the migration service.
/// Does not own the NVE.
/// </summary>
public sealed class PortAgentServer : IAsyncDisposable
{
    /// <summary>The default port of the agent (the NVA's is 7470).</summary>
    public const int DefaultPort = 7471;

    private readonly WebApplication _app;

    private PortAgentServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where clients connect: http://HOST:PORT with the actual port.</summary>
    public Uri Address { get; }

    /// <summary>Registers the port agent's services for <paramref name="edge"/>.</summary>
    public static void AddServices(IServiceCollection services, Edge edge)
    {
        services.AddSingleton(edge);
        services.AddGrpc();
    }

    /// <summary>Maps the port agent and the read-only inspection service beside it.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGrpcService<PortAgentService>();
        app.MapGrpcService<InspectService>();
    }

    /// <summary>
    /// Starts serving <paramref name="edge"/>'s ports on <paramref name="listen"/> (HOST:PORT, port 0
    /// picks one). Throws <see cref="IOException"/> when it cannot listen.
    /// </summary>
    public static async Task<PortAgentServer> StartAsync(Edge edge, IPEndPoint listen, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var (app, address) = await GrpcHost.StartAsync(listen, "The port agent", loggerFactory, s => AddServices(s, edge), Map, cancellationToken).ConfigureAwait(false);
        return new PortAgentServer(app, address);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(GrpcHost.StopAsync(_app));
}
