using System.Globalization;
using System.Net;
using System.Text;
using Nvo3.Security;

namespace Nvo3.Migration;

/// <summary>
/// Hot moves between two in-process agents over loopback TCP with a bandwidth cap, one per dirty
/// rate of a sweep: what <c>nvo3 bench migration</c> runs. Each row is one move of a fresh
/// workload (random content) that a <see cref="Dirtier"/> keeps writing. With
/// <see cref="MigrationBenchmarkSettings.CompareTls"/> a second pair of agents speaks mutual TLS
/// (a throw-away CA), and each dirty rate is measured on both pairs in turn, so the two columns
/// share the machine's state of the moment.
/// </summary>
public static class MigrationBenchmark
{
    /// <summary>Runs the sweep; reports each row as it is measured.</summary>
    public static async Task<IReadOnlyList<MigrationBenchmarkRow>> RunAsync(MigrationBenchmarkSettings settings, IProgress<MigrationBenchmarkRow>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var rows = new List<MigrationBenchmarkRow>();
        var pairs = new List<AgentPair> { await AgentPair.StartAsync(TransportSecurity.Unspecified, TransportSecurity.Unspecified, null).ConfigureAwait(false) };
        using var ca = settings.CompareTls ? CertificateAuthority.Create() : null;
        try
        {
            if (ca is not null)
            {
                var sourceTls = TransportSecurity.MutualTls(ca.IssueMaterial(new IssueRequest { Identity = PeerIdentity.Nve("bench-source") }));
                var destinationTls = TransportSecurity.MutualTls(ca.IssueMaterial(new IssueRequest { Identity = PeerIdentity.Nve("bench-destination") }));
                pairs.Add(await AgentPair.StartAsync(sourceTls, destinationTls, PeerIdentity.Nve("bench-destination")).ConfigureAwait(false));
            }
            // One unreported move first on each pair, so that no row pays for JIT compilation (the
            // first state hash alone takes ten times longer than the next) or the first handshake.
            foreach (var pair in pairs)
            {
                var warmup = pair.Source.Host(new Workload("bench-warmup", new WorkloadShape { MemoryBytes = 16L << 20 }));
                await pair.Source.MigrateHotAsync(warmup, pair.DestinationEndpoint, new PreCopySettings { MaxBandwidth = Cap(settings) }, cancellationToken: cancellationToken).ConfigureAwait(false);
                pair.Destination.Retire(warmup.Name);
            }
            int n = 0;
            foreach (double rate in settings.DirtyRates)
            {
                foreach (var pair in pairs)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var row = await MeasureAsync(pair, rate, ++n, settings, cancellationToken).ConfigureAwait(false);
                    rows.Add(row);
                    progress?.Report(row);
                }
            }
            return rows;
        }
        finally
        {
            foreach (var pair in pairs)
            {
                await pair.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static double? Cap(MigrationBenchmarkSettings settings) => settings.BandwidthCap > 0 ? settings.BandwidthCap : null;

    private static async Task<MigrationBenchmarkRow> MeasureAsync(AgentPair pair, double rate, int n, MigrationBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var workload = new Workload($"bench-{n}", new WorkloadShape { MemoryBytes = settings.MemoryBytes });
        workload.Fill(n);
        pair.Source.Host(workload);
        MigrationResult result;
        await using (var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = rate, Seed = n }))
        {
            await Task.Delay(settings.Warmup, cancellationToken).ConfigureAwait(false);
            result = await pair.Source.MigrateHotAsync(workload, pair.DestinationEndpoint, new PreCopySettings
            {
                MaxBandwidth = Cap(settings),
                DowntimeLimit = settings.DowntimeLimit,
                MaxRounds = settings.MaxRounds,
                AutoConverge = settings.AutoConverge,
                VerifyState = settings.VerifyState,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        if (result.Outcome != MigrationOutcome.Completed)
        {
            throw new InvalidOperationException($"The benchmark move at {rate} B/s did not complete: {result.Reason}");
        }
        // Free the destination's copy before the next row: 2 × memory per row is enough.
        pair.Destination.Retire(workload.Name);
        return new MigrationBenchmarkRow(rate, result.Downtime.TotalMilliseconds, result.PredictedDowntime.TotalMilliseconds,
            result.VerificationTime.TotalMilliseconds, result.TotalTime.TotalMilliseconds, (double)result.BytesSent / result.MemoryBytes,
            result.Rounds, result.Switchover, result.Bandwidth / 1e6, result.Throttle, result.StateVerified)
        {
            Tls = pair.Tls,
        };
    }

    /// <summary>The rows as a Markdown table.</summary>
    public static string FormatTable(IEnumerable<MigrationBenchmarkRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        text.AppendLine("| dirty rate (MB/s) | transport | downtime (ms) | predicted (ms) | of which hashing (ms) | total (ms) | sent / memory | rounds | switchover | bandwidth (MB/s) | throttle | verified |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
        foreach (var r in rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.DirtyRate / 1e6:0} | {(r.Tls ? "mutual TLS" : "plain")} | {r.DowntimeMs:0} | {r.PredictedDowntimeMs:0} | {r.VerificationMs:0} | {r.TotalMs:0} | {r.SentRatio:0.00} | {r.Rounds} | {r.Switchover} | {r.BandwidthMBps:0} | {r.Throttle:0.00} | {(r.StateVerified ? "yes" : "no")} |"));
        }
        return text.ToString();
    }

    /// <summary>A source and a destination agent, both plain or both in mutual TLS.</summary>
    private sealed class AgentPair(MigrationAgent source, MigrationAgent destination, EndPoint destinationEndpoint, bool tls) : IAsyncDisposable
    {
        public MigrationAgent Source { get; } = source;

        public MigrationAgent Destination { get; } = destination;

        public EndPoint DestinationEndpoint { get; } = destinationEndpoint;

        public bool Tls { get; } = tls;

        public static async Task<AgentPair> StartAsync(TransportSecurity sourceSecurity, TransportSecurity destinationSecurity, PeerIdentity? destinationIdentity)
        {
            var source = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = "bench-source", Listen = new IPEndPoint(IPAddress.Loopback, 0), Security = sourceSecurity })
                .ConfigureAwait(false);
            var destination = await MigrationAgent.StartAsync(new MigrationAgentOptions
            {
                Name = "bench-destination",
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                MaxIncomingBytes = long.MaxValue,
                Security = destinationSecurity,
            }).ConfigureAwait(false);
            EndPoint endpoint = destinationIdentity is null ? destination.Endpoint : new AgentEndPoint(destination.Endpoint, destinationIdentity);
            return new AgentPair(source, destination, endpoint, destinationIdentity is not null);
        }

        public async ValueTask DisposeAsync()
        {
            await Source.DisposeAsync().ConfigureAwait(false);
            await Destination.DisposeAsync().ConfigureAwait(false);
        }
    }
}
