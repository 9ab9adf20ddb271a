using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Hosting;
using Nvo3.Nva.Grpc;
using Nvo3.Nva.Leadership;
using Nvo3.Nva.Storage;
using Nvo3.Nva.Watch;

namespace Nvo3.Nva.Hosting;

/// <summary>
/// An NVA process in a box: the authority over a store, the watch hub with the watched copy of
/// the store, the gRPC service on Kestrel (HTTP/2, with mutual TLS when
/// <see cref="NvaServerOptions.Security"/> says so), and the leader's housekeeping.
/// <c>nvo3 nva serve</c>, the lab and the tests all host the NVA through this type. It owns the
/// store and disposes it.
/// </summary>
/// <remarks>
/// Any number of NVAs may serve one etcd cluster: each serves reads, writes and watches itself,
/// and an election (<see cref="ILeaderElection"/>) picks the one that runs the housekeeping. With
/// memory or SQLite there is one NVA, and it always leads.
/// </remarks>
public sealed partial class NvaServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _leading;
    private readonly Housekeeper _housekeeper;
    private readonly TimeSpan _sweepInterval;
    private int _disposed;
    private NvaMetrics? _metrics;

    private NvaServer(WebApplication app, Authority authority, WatchHub hub, ILeaderElection election, Uri address, TimeSpan sweepInterval, ILoggerFactory loggerFactory)
    {
        _app = app;
        Authority = authority;
        Hub = hub;
        Election = election;
        Address = address;
        _sweepInterval = sweepInterval;
        var logger = loggerFactory.CreateLogger<NvaServer>();
        _housekeeper = new Housekeeper(authority, hub.View, logger);
        LeaderLoop = new SupervisedLoop("leader election", authority.Time, logger) { FirstDelay = TimeSpan.FromMilliseconds(250) };
        HousekeepingLoop = new SupervisedLoop("housekeeping", authority.Time, logger);
        _leading = Task.Run(() => LeaderLoop.RunAsync(ct => election.RunAsync(LeadAsync, ct), _stop.Token));
    }

    /// <summary>The directory.</summary>
    public Authority Authority { get; }

    /// <summary>The watch fan-out.</summary>
    public WatchHub Hub { get; }

    /// <summary>The election among the NVAs on this store (always this one for memory and SQLite).</summary>
    public ILeaderElection Election { get; }

    /// <summary>True while this NVA runs the housekeeping.</summary>
    public bool IsLeader => Election.IsLeader;

    /// <summary>The supervisor of the election loop, with its failure count.</summary>
    public SupervisedLoop LeaderLoop { get; }

    /// <summary>The supervisor of the leader's sweeps, with its failure count.</summary>
    public SupervisedLoop HousekeepingLoop { get; }

    /// <summary>Standbys this NVA activated as leader.</summary>
    public long Failovers => _housekeeper.Failovers;

    /// <summary>Migrations this NVA settled as leader.</summary>
    public long SettledMigrations => _housekeeper.Settled;

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
            var status = new ReplicaStatus();
            var (app, uri) = await GrpcHost.StartAsync(endpoint, "The NVA", options.Security, loggerFactory,
                services =>
                {
                    services.AddSingleton(authority);
                    services.AddSingleton(hub);
                    services.AddSingleton(status);
                    services.AddGrpc(o =>
                    {
                        o.Interceptors.Add<ErrorInterceptor>();
                        o.Interceptors.Add<AccessInterceptor>();
                        o.MaxReceiveMessageSize = 4 * 1024 * 1024;
                        o.EnableDetailedErrors = false;
                    });
                },
                a => a.MapGrpcService<DirectoryService>(),
                cancellationToken).ConfigureAwait(false);
            string candidate = options.ReplicaName ?? string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{uri.Authority}");
            var election = store is IElectingStore electing
                ? electing.CreateElection(candidate, options.LeaderLease, authority.Time, loggerFactory)
                : new SoleLeader(candidate);
            var logger = loggerFactory.CreateLogger<NvaServer>();
            LogStarted(logger, uri, store.Description, candidate);
            var server = new NvaServer(app, authority, hub, election, uri, options.SweepInterval, loggerFactory);
            server._metrics = new NvaMetrics(candidate, server);
            authority.LookupObserved = server._metrics.RecordLookup;
            status.Server = server;
            return server;
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

    // While this replica leads: sweep every interval until leadership ends.
    private Task LeadAsync(CancellationToken leading)
    {
        // A new leader gives every NVE a whole lease to renew in before it takes any for dead,
        // whatever the previous leader saw.
        Authority.Health.Restart();
        return HousekeepingLoop.RunAsync(SweepAsync, leading);
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_sweepInterval, Authority.Time);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            await _housekeeper.SweepAsync(ct).ConfigureAwait(false);
            HousekeepingLoop.Healthy();
        }
    }

    /// <summary>Stops leading (handing the lead over at once), closes the watch streams, stops serving, then closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _leading.ConfigureAwait(false);
        // Ending the hub ends every Watch stream, so Kestrel's shutdown does not wait on them.
        await Hub.DisposeAsync().ConfigureAwait(false);
        await GrpcHost.StopAsync(_app).ConfigureAwait(false);
        await Authority.Store.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _metrics?.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "NVA listening on {Address}, store {Store}, replica {Replica}")]
    private static partial void LogStarted(ILogger logger, Uri address, string store, string replica);
}
