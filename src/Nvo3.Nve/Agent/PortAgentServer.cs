using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nvo3.Nve.Agent;

/// <summary>
/// Hosts the <see cref="PortAgentService"/> of one NVE on Kestrel (gRPC over HTTP/2 without TLS),
/// as <c>nvo3 nve run --agent-listen HOST:PORT</c> does. Does not own the NVE.
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

    /// <summary>
    /// Starts serving <paramref name="edge"/>'s ports on <paramref name="listen"/> (HOST:PORT, port 0
    /// picks one). Throws <see cref="IOException"/> when it cannot listen.
    /// </summary>
    public static async Task<PortAgentServer> StartAsync(Edge edge, IPEndPoint listen, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(edge);
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen, l => l.Protocols = HttpProtocols.Http2);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        app.MapGrpcService<PortAgentService>();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"The port agent cannot listen on {listen}: {ex.Message}", ex);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
        return new PortAgentServer(app, uri);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
