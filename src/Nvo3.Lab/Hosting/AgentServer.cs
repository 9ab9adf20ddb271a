using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nvo3.Hosting;

namespace Nvo3.Lab;

/// <summary>
/// The agent beside an NVE process as a gRPC server (HTTP/2 without TLS): the migration service
/// over an <see cref="EmulatedHost"/>, and whatever else the caller registers and maps (the port
/// agent, in <c>nvo3 nve run</c>). Does not own the host.
/// </summary>
public sealed class AgentServer : IAsyncDisposable
{
    /// <summary>The default port of an NVE's agent (the NVA's is 7470).</summary>
    public const int DefaultPort = 7471;

    private readonly WebApplication _app;

    private AgentServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where clients connect: http://HOST:PORT with the actual port.</summary>
    public Uri Address { get; }

    /// <summary>
    /// Starts serving on <paramref name="listen"/> (port 0 picks one): the migration service over
    /// <paramref name="host"/>, and what <paramref name="services"/> registers and
    /// <paramref name="map"/> maps. Throws <see cref="IOException"/> when it cannot listen.
    /// </summary>
    public static async Task<AgentServer> StartAsync(IPEndPoint listen, EmulatedHost host, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var (app, address) = await GrpcHost.StartAsync(listen, "The agent", loggerFactory,
            s =>
            {
                s.AddSingleton(host);
                s.AddGrpc();
                services?.Invoke(s);
            },
            a =>
            {
                a.MapGrpcService<MigrationsService>();
                map?.Invoke(a);
            },
            cancellationToken).ConfigureAwait(false);
        return new AgentServer(app, address);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(GrpcHost.StopAsync(_app));
}
