using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Security;

namespace Nvo3.Hosting;

/// <summary>
/// Kestrel serving gRPC over HTTP/2 on one endpoint, the way every Nvo3 process serves (the NVA,
/// an NVE's agent): the caller registers its services and maps them; this binds (with mutual TLS
/// when asked), reports the address it got, and stops with a grace period. Every server also
/// answers gRPC health checking (grpc.health.v1.Health) and server reflection.
/// </summary>
public static partial class GrpcHost
{
    /// <summary>
    /// Starts serving without saying how to protect the channel (<see cref="TransportSecurity.Unspecified"/>:
    /// plain text for now). Prefer the overload that takes a <see cref="TransportSecurity"/>.
    /// </summary>
    public static Task<(WebApplication App, Uri Address)> StartAsync(IPEndPoint listen, string what, ILoggerFactory? loggerFactory,
        Action<IServiceCollection> services, Action<WebApplication> map, CancellationToken cancellationToken = default) =>
        StartAsync(listen, what, TransportSecurity.Unspecified, loggerFactory, services, map, cancellationToken);

    /// <summary>
    /// Starts serving on <paramref name="listen"/> (port 0 picks one); <paramref name="services"/>
    /// registers (including <c>AddGrpc</c>), <paramref name="map"/> maps. With
    /// <see cref="TransportSecurityMode.MutualTls"/> every client must present a certificate from
    /// the CA, and services read who called with <see cref="CallerIdentity.PeerIdentity(global::Grpc.Core.ServerCallContext)"/>; the
    /// address is then https://. <see cref="TransportSecurityMode.Insecure"/> serves plain text and
    /// logs a warning. Throws <see cref="IOException"/> naming <paramref name="what"/> when it
    /// cannot listen.
    /// </summary>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(IPEndPoint listen, string what, TransportSecurity security, ILoggerFactory? loggerFactory,
        Action<IServiceCollection> services, Action<WebApplication> map, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(security);
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger(typeof(GrpcHost).FullName!);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services(builder.Services);
        // Every server answers grpc.health.v1 (SERVING while it runs: load balancers, grpcurl) and
        // server reflection (grpcurl list/describe without the .proto files).
        // A server with no check at all would answer UNKNOWN: this one says it runs; a caller may add its own.
        builder.Services.AddGrpcHealthChecks().AddCheck("running", () => HealthCheckResult.Healthy());
        builder.Services.AddGrpcReflection();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                if (security.Tls is { } tls)
                {
                    l.UseMutualTls(tls, what, logger);
                }
            });
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        map(app);
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"{what} cannot listen on {listen}: {ex.Message}", ex);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
        if (security.Mode == TransportSecurityMode.Insecure)
        {
            LogInsecure(logger, what, uri);
        }
        return (app, uri);
    }

    /// <summary>
    /// Parses a listen address: HOST:PORT, [IPv6]:PORT, or :PORT for every IPv4 address. Throws
    /// <see cref="ArgumentException"/> saying what to write (with <paramref name="examplePort"/>).
    /// </summary>
    public static IPEndPoint ParseListen(string listen, int examplePort)
    {
        string text = listen.StartsWith(':') ? "0.0.0.0" + listen : listen;
        if (IPEndPoint.TryParse(text, out var endpoint) && text.Contains(':', StringComparison.Ordinal)
            && (endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork || text.StartsWith('[')))
        {
            return endpoint;
        }
        throw new ArgumentException($"'{listen}' is not HOST:PORT; write 127.0.0.1:{examplePort}, [::1]:{examplePort} or 0.0.0.0:{examplePort}.", nameof(listen));
    }

    /// <summary>Stops serving (open calls get two seconds to end) and frees the server.</summary>
    public static async Task StopAsync(WebApplication app)
    {
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await app.StopAsync(grace.Token).ConfigureAwait(false);
        }
        await app.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Warning, "{What} serves plain text on {Address} (--insecure): anyone who reaches it can call it as anyone, and read what it says")]
    private static partial void LogInsecure(ILogger logger, string what, Uri address);
}
