using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Hosting;
using Nvo3.Nva.Grpc;
using Nvo3.Nva.Storage;
using Nvo3.Nva.Watch;

namespace Nvo3.Nva.Hosting;

/// <summary>
/// An NVA process in a box: the authority over a store, the watch hub, the redirect sweeper, and
/// the gRPC service on Kestrel (HTTP/2, with mutual TLS when <see cref="NvaServerOptions.Security"/>
/// says so). <c>nvo3 nva serve</c>, the lab and the tests
/// all host the NVA through this type. It owns the store and disposes it.
/// </summary>
public sealed partial class NvaServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sweeper;
    private readonly ILogger _logger;

    private NvaServer(WebApplication app, Authority authority, WatchHub hub, Uri address, TimeSpan sweepInterval, ILogger logger)
    {
        _app = app;
        Authority = authority;
        Hub = hub;
        Address = address;
        _logger = logger;
        _sweeper = Task.Run(() => SweepAsync(sweepInterval, _stop.Token));
    }

    /// <summary>The directory.</summary>
    public Authority Authority { get; }

    /// <summary>The watch fan-out.</summary>
    public WatchHub Hub { get; }

    /// <summary>Where clients connect: http://HOST:PORT (https:// with TLS) with the actual port.</summary>
    public Uri Address { get; }

    /// <summary>Parses HOST:PORT ("127.0.0.1:7470", "[::1]:7470", "0.0.0.0:7470", ":7470"); throws <see cref="ArgumentException"/> saying what to write.</summary>
    public static IPEndPoint ParseListen(string listen) => GrpcHost.ParseListen(listen, NvaServerOptions.DefaultPort);

    /// <summary>
    /// Starts an NVA over <paramref name="store"/>; the server owns the store from here, and
    /// disposes it when it cannot start (a malformed or taken listen address, for instance).
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="NvaServerOptions.Listen"/> is not HOST:PORT.</exception>
    /// <exception cref="IOException">The NVA cannot listen there (the port is taken, say).</exception>
    public static async Task<NvaServer> StartAsync(IDirectoryStore store, NvaServerOptions options, TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        WatchHub? hub = null;
        try
        {
            var endpoint = ParseListen(options.Listen);
            loggerFactory ??= NullLoggerFactory.Instance;
            var authority = new Authority(store, options.Settings, timeProvider, loggerFactory);
            hub = new WatchHub(authority, options.WatchHistory, options.WatcherBuffer, loggerFactory);
            await hub.StartAsync(cancellationToken).ConfigureAwait(false);
            var (app, uri) = await GrpcHost.StartAsync(endpoint, "The NVA", options.Security, loggerFactory,
                services =>
                {
                    services.AddSingleton(authority);
                    services.AddSingleton(hub);
                    services.AddGrpc(o =>
                    {
                        o.Interceptors.Add<ErrorInterceptor>();
                        o.MaxReceiveMessageSize = 4 * 1024 * 1024;
                        o.EnableDetailedErrors = false;
                    });
                },
                a => a.MapGrpcService<DirectoryService>(),
                cancellationToken).ConfigureAwait(false);
            var logger = loggerFactory.CreateLogger<NvaServer>();
            LogStarted(logger, uri, store.Description);
            return new NvaServer(app, authority, hub, uri, options.SweepInterval, logger);
        }
        catch
        {
            // The caller handed the store over: a server that does not start closes it, so an
            // SQLite file's writer lock is not held by nobody until the process ends.
            if (hub is not null)
            {
                await hub.DisposeAsync().ConfigureAwait(false);
            }
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task SweepAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, Authority.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await Authority.ExpireRedirectsAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Closes the watch streams, stops serving, then closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sweeper.ConfigureAwait(false);
        // Ending the hub ends every Watch stream, so Kestrel's shutdown does not wait on them.
        await Hub.DisposeAsync().ConfigureAwait(false);
        await GrpcHost.StopAsync(_app).ConfigureAwait(false);
        await Authority.Store.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "NVA listening on {Address}, store {Store}")]
    private static partial void LogStarted(ILogger logger, Uri address, string store);

    [LoggerMessage(2, LogLevel.Warning, "Redirect sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
