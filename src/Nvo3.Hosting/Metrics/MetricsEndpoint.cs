using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nvo3.Hosting.Metrics;

/// <summary>
/// <c>--metrics-listen HOST:PORT</c>: a small Kestrel listener of its own (HTTP/1.1, plain text,
/// apart from the gRPC endpoint and its TLS) that answers <c>GET /metrics</c> with every Nvo3
/// meter of this process in the Prometheus text format (<see cref="PrometheusCollector"/>).
/// Anything else is 404. Serves until disposed.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    /// <summary>The port in examples and error messages (Prometheus' registry of default ports has nothing for us; 9470 is near the NVA's 7470).</summary>
    public const int ExamplePort = 9470;

    private readonly WebApplication _app;
    private readonly PrometheusCollector _collector;

    private MetricsEndpoint(WebApplication app, PrometheusCollector collector, Uri address)
    {
        _app = app;
        _collector = collector;
        Address = address;
    }

    /// <summary>Where it serves: http://HOST:PORT/metrics with the actual port.</summary>
    public Uri Address { get; }

    /// <summary>
    /// Parses the value of <c>--metrics-listen</c> (HOST:PORT, [IPv6]:PORT or :PORT, as every listen
    /// option); throws <see cref="ArgumentException"/> with one line naming the option and saying what to write.
    /// </summary>
    public static IPEndPoint ParseListen(string listen)
    {
        try
        {
            return GrpcHost.ParseListen(listen, ExamplePort);
        }
        catch (ArgumentException ex)
        {
            string message = ex.ParamName is { } parameter ? ex.Message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal) : ex.Message;
            throw new ArgumentException("--metrics-listen: " + message, ex);
        }
    }

    /// <summary>Starts serving on <paramref name="listen"/> (port 0 picks one); throws <see cref="IOException"/> when it cannot listen there.</summary>
    public static async Task<MetricsEndpoint> StartAsync(IPEndPoint listen, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen, l => l.Protocols = HttpProtocols.Http1);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        var collector = new PrometheusCollector();
        app.MapGet("/metrics", (HttpContext context) =>
        {
            context.Response.ContentType = PrometheusText.ContentType;
            return context.Response.WriteAsync(collector.Scrape(), context.RequestAborted);
        });
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            collector.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"The metrics endpoint cannot listen on {listen}: {ex.Message}", ex);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var root = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
        return new MetricsEndpoint(app, collector, new Uri(root, "/metrics"));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        _collector.Dispose();
    }
}
