using System.CommandLine;
using Nvo3.Nva;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage;
using Nvo3.Security;

namespace Nvo3.Cli;

/// <summary><c>nvo3 nva serve|status</c>: runs the directory, or asks its replicas how they are.</summary>
internal static class NvaCommand
{
    public static Command Create() => new("nva", "The NVA (Network Virtualization Authority): the directory.") { Serve(), NvaStatusCommand.Create() };

    private static Command Serve()
    {
        var store = new Option<string>("--store")
        {
            Description = $"Where the directory lives: {DirectoryStores.Syntax}. SQLite and etcd keep every acknowledged change across a crash.",
            DefaultValueFactory = _ => StateDirectory.DefaultNvaStore(),
        };
        var listen = new Option<string>("--listen")
        {
            Description = "HOST:PORT for the gRPC API (0.0.0.0:PORT for every interface).",
            DefaultValueFactory = _ => $"127.0.0.1:{NvaServerOptions.DefaultPort}",
        };
        var cacheLifetime = new Option<int>("--cache-lifetime-ms")
        {
            Description = "How long NVEs may cache a look-up, for networks that set none.",
            DefaultValueFactory = _ => (int)new NvaSettings().DefaultCacheLifetime.TotalMilliseconds,
        };
        var grace = new Option<int>("--redirect-grace-ms")
        {
            Description = "Added to a network's cache lifetime to time the old NVE's redirect after a move.",
            DefaultValueFactory = _ => (int)new NvaSettings().RedirectGrace.TotalMilliseconds,
        };
        var lease = new Option<int>("--lease-seconds")
        {
            Description = "How long an NVE registration lasts without a keep-alive.",
            DefaultValueFactory = _ => (int)new NvaSettings().DefaultLease.TotalSeconds,
        };
        var dupMoves = new Option<int>("--dup-moves") { Description = "Unplanned moves within --dup-window that mark a binding duplicate (RFC 7432: 5).", DefaultValueFactory = _ => 5 };
        var dupWindow = new Option<int>("--dup-window-seconds") { Description = "The duplicate-detection window (RFC 7432: 180).", DefaultValueFactory = _ => 180 };
        var dupPolicy = new Option<DuplicatePolicy>("--dup-policy") { Description = "warn: flag and accept; freeze: flag and refuse further unplanned moves.", DefaultValueFactory = _ => DuplicatePolicy.Warn };
        var freeze = new Option<int>("--freeze-seconds") { Description = "How long a freeze lasts; 0 = until cleared (nvo3 vm clear-duplicate).", DefaultValueFactory = _ => 0 };
        var defaults = new NvaSettings();
        var leaderLease = new Option<int>("--leader-lease-seconds")
        {
            Description = "With several NVAs on one etcd: the leader's lease; another replica leads within this long after the leader dies (etcd's minimum is 2).",
            DefaultValueFactory = _ => (int)new NvaServerOptions().LeaderLease.TotalSeconds,
        };
        var replica = new Option<string?>("--replica-name") { Description = "This NVA's name in the election and in nvo3 nva status (default: HOST/PID/ADDRESS)." };
        var prepared = new Option<int>("--migration-prepared-timeout-seconds")
        {
            Description = "How long a hot, warm or cold migration may stay prepared before the leader settles it.",
            DefaultValueFactory = _ => (int)defaults.MigrationPreparedTimeout.TotalSeconds,
        };
        var paused = new Option<int>("--migration-paused-timeout-seconds")
        {
            Description = "How long a migration may stay paused before the leader settles it (its redirect expires this long, plus the cache lifetime and grace, after the pause).",
            DefaultValueFactory = _ => (int)defaults.MigrationPausedTimeout.TotalSeconds,
        };
        var activated = new Option<int>("--migration-activated-timeout-seconds")
        {
            Description = "How long a migration may stay activated (not committed) before the leader completes it.",
            DefaultValueFactory = _ => (int)defaults.MigrationActivatedTimeout.TotalSeconds,
        };
        var retention = new Option<int>("--migration-retention-seconds")
        {
            Description = "How long the record of an ended migration is kept.",
            DefaultValueFactory = _ => (int)defaults.MigrationRetention.TotalSeconds,
        };
        var keepEnded = new Option<int>("--max-ended-migrations") { Description = "The most ended migration records kept (the oldest go first).", DefaultValueFactory = _ => defaults.MaxEndedMigrations };
        var logLevel = Cli.LogLevelOption();
        var tlsDir = Cli.TlsDirOption();
        var insecure = Cli.InsecureOption();
        var metricsListen = MetricsOption.Create("the NVA's");
        var config = DaemonConfiguration.Option();

        var serve = new Command("serve", "Run the NVA: the directory of networks, NVEs and bindings, with its gRPC API. Several may serve one etcd cluster; "
            + "one of them, elected, runs the housekeeping. Stops on Ctrl+C or SIGTERM.")
        {
            store, listen, cacheLifetime, grace, lease, dupMoves, dupWindow, dupPolicy, freeze, leaderLease, replica, prepared, paused, activated, retention, keepEnded, tlsDir, insecure, metricsListen, logLevel, config,
        };
        serve.Handle(async (p, ct) =>
        {
            var settings = new NvaSettings
            {
                DefaultCacheLifetime = Positive(p.GetValue(cacheLifetime), "--cache-lifetime-ms", v => TimeSpan.FromMilliseconds(v)),
                RedirectGrace = TimeSpan.FromMilliseconds(NotNegative(p.GetValue(grace), "--redirect-grace-ms")),
                DefaultLease = Positive(p.GetValue(lease), "--lease-seconds", v => TimeSpan.FromSeconds(v)),
                DuplicateMoves = p.GetValue(dupMoves) is > 0 and var moves ? moves : throw new ArgumentException("--dup-moves must be above 0."),
                DuplicateWindow = Positive(p.GetValue(dupWindow), "--dup-window-seconds", v => TimeSpan.FromSeconds(v)),
                DuplicatePolicy = p.GetValue(dupPolicy),
                FreezeTime = NotNegative(p.GetValue(freeze), "--freeze-seconds") is > 0 and var f ? TimeSpan.FromSeconds(f) : null,
                MigrationPreparedTimeout = Positive(p.GetValue(prepared), "--migration-prepared-timeout-seconds", v => TimeSpan.FromSeconds(v)),
                MigrationPausedTimeout = Positive(p.GetValue(paused), "--migration-paused-timeout-seconds", v => TimeSpan.FromSeconds(v)),
                MigrationActivatedTimeout = Positive(p.GetValue(activated), "--migration-activated-timeout-seconds", v => TimeSpan.FromSeconds(v)),
                MigrationRetention = TimeSpan.FromSeconds(NotNegative(p.GetValue(retention), "--migration-retention-seconds")),
                MaxEndedMigrations = NotNegative(p.GetValue(keepEnded), "--max-ended-migrations"),
            };
            var metricsEndpoint = MetricsOption.Parse(p, metricsListen);
            var leaderTtl = p.GetValue(leaderLease) is >= 2 and <= 3600 and var l ? TimeSpan.FromSeconds(l) : throw new ArgumentException("--leader-lease-seconds must be 2 to 3600.");
            // Certificates are loaded before the store is opened: a bad --tls-dir changes nothing.
            var security = TransportSecurity.FromOptions(p.GetValue(tlsDir), p.GetValue(insecure));
            using var logging = Cli.Logging(p.GetValue(logLevel));
            var spec = p.GetValue(store)!;
            return await DaemonHost.RunAsync("nvo3 nva", logging, async startToken =>
            {
                var parts = new StartedParts();
                try
                {
                    var opened = await DirectoryStores.OpenAsync(spec, logging, startToken).ConfigureAwait(false);
                    var server = parts.Add(await NvaServer.StartAsync(opened,
                        new NvaServerOptions { Listen = p.GetValue(listen)!, Settings = settings, LeaderLease = leaderTtl, ReplicaName = p.GetValue(replica), Security = security },
                        loggerFactory: logging, cancellationToken: startToken).ConfigureAwait(false));
                    string transport = security.Mode == TransportSecurityMode.Unspecified ? "" : ", " + security;
                    if (await MetricsOption.StartAsync(metricsEndpoint, "nvo3 nva", Console.Out, startToken).ConfigureAwait(false) is { } metrics)
                    {
                        parts.Add(metrics);
                    }
                    Console.WriteLine($"nvo3 nva: serving {server.Address} (store {opened.Description}{transport}); Ctrl+C stops.");
                    return parts;
                }
                catch
                {
                    await parts.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }, ct).ConfigureAwait(false);
        });
        return serve;
    }

    private static TimeSpan Positive(int value, string option, Func<int, TimeSpan> make) =>
        value > 0 ? make(value) : throw new ArgumentException($"{option} must be above 0.");

    private static int NotNegative(int value, string option) =>
        value >= 0 ? value : throw new ArgumentException($"{option} must not be negative.");
}
