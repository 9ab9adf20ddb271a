using System.Globalization;
using System.Net;
using System.Text;

namespace Nvo3.Migration;

/// <summary>
/// Hot moves between two in-process agents over loopback TCP with a bandwidth cap, one per dirty
/// rate of a sweep: what <c>nvo3 bench migration</c> runs. Each row is one move of a fresh
/// workload (random content) that a <see cref="Dirtier"/> keeps writing.
/// </summary>
public static class MigrationBenchmark
{
    /// <summary>Runs the sweep; reports each row as it is measured.</summary>
    public static async Task<IReadOnlyList<MigrationBenchmarkRow>> RunAsync(MigrationBenchmarkSettings settings, IProgress<MigrationBenchmarkRow>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var rows = new List<MigrationBenchmarkRow>();
        await using var source = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = "bench-source", Listen = new IPEndPoint(IPAddress.Loopback, 0) }).ConfigureAwait(false);
        await using var destination = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = "bench-destination", Listen = new IPEndPoint(IPAddress.Loopback, 0), MaxIncomingBytes = long.MaxValue }).ConfigureAwait(false);
        // One unreported move first, so that no row pays for JIT compilation (the first state
        // hash alone takes ten times longer than the next).
        var warmup = source.Host(new Workload("bench-warmup", new WorkloadShape { MemoryBytes = 16L << 20 }));
        await source.MigrateHotAsync(warmup, destination.Endpoint, new PreCopySettings { MaxBandwidth = settings.BandwidthCap }, cancellationToken: cancellationToken).ConfigureAwait(false);
        destination.Retire(warmup.Name);
        int n = 0;
        foreach (double rate in settings.DirtyRates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var workload = new Workload($"bench-{n++}", new WorkloadShape { MemoryBytes = settings.MemoryBytes });
            workload.Fill(n);
            source.Host(workload);
            MigrationResult result;
            await using (var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = rate, Seed = n }))
            {
                await Task.Delay(settings.Warmup, cancellationToken).ConfigureAwait(false);
                result = await source.MigrateHotAsync(workload, destination.Endpoint, new PreCopySettings
                {
                    MaxBandwidth = settings.BandwidthCap,
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
            var row = new MigrationBenchmarkRow(rate, result.Downtime.TotalMilliseconds, result.PredictedDowntime.TotalMilliseconds,
                result.VerificationTime.TotalMilliseconds, result.TotalTime.TotalMilliseconds, (double)result.BytesSent / result.MemoryBytes,
                result.Rounds, result.Switchover, result.Bandwidth / 1e6, result.Throttle, result.StateVerified);
            rows.Add(row);
            progress?.Report(row);
            // Free the destination's copy before the next row: 2 × memory per row is enough.
            destination.Retire(workload.Name);
        }
        return rows;
    }

    /// <summary>The rows as a Markdown table.</summary>
    public static string FormatTable(IEnumerable<MigrationBenchmarkRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        text.AppendLine("| dirty rate (MB/s) | downtime (ms) | predicted (ms) | of which hashing (ms) | total (ms) | sent / memory | rounds | switchover | bandwidth (MB/s) | throttle | verified |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
        foreach (var r in rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.DirtyRate / 1e6:0} | {r.DowntimeMs:0} | {r.PredictedDowntimeMs:0} | {r.VerificationMs:0} | {r.TotalMs:0} | {r.SentRatio:0.00} | {r.Rounds} | {r.Switchover} | {r.BandwidthMBps:0} | {r.Throttle:0.00} | {(r.StateVerified ? "yes" : "no")} |"));
        }
        return text.ToString();
    }
}
