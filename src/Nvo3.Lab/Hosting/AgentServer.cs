using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nvo3.Lab;

/// <summary>
/// The agent beside an NVE process as a gRPC server (HTTP/2 without TLS): the migration service
/// over an <see cref="EmulatedHost"/>, and whatever else the caller maps. Does not own the host.
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
    /// Starts serving on <paramref name="listen"/> (port 0 picks one): the migration service when
    /// <paramref name="host"/> is given, and what <paramref name="services"/> registers and
    /// <paramref name="map"/> maps. Throws <see cref="IOException"/> when it cannot listen.
    /// </summary>
    public static async Task<AgentServer> StartAsync(IPEndPoint listen, EmulatedHost? host, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        if (host is not null)
        {
            builder.Services.AddSingleton(host);
        }
        builder.Services.AddGrpc();
        services?.Invoke(builder.Services);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen, l => l.Protocols = HttpProtocols.Http2);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        if (host is not null)
        {
            app.MapGrpcService<MigrationsService>();
        }
        map?.Invoke(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"The agent cannot listen on {listen}: {ex.Message}", ex);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
        return new AgentServer(app, uri);
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
