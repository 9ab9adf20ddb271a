using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Migration;

namespace Nvo3.Cli;

/// <summary><c>nvo3 bench migration</c>: hot moves across a sweep of dirty rates.</summary>
internal static class BenchMigrationCommand
{
    public static Command Create()
    {
        var memory = new Option<int>("--memory-mib") { Description = "The workload's memory.", DefaultValueFactory = _ => 256 };
        var rates = Cli.ListOption("--dirty-rates", "Memory dirty rates to sweep, in MB/s", [0.0, 10, 50, 100, 200], Cli.ParseDouble);
        var bandwidth = new Option<double>("--bandwidth-mbit") { Description = "The link's cap, Mbit/s (QEMU's default max-bandwidth is about 1074 Mbit/s); 0 for none.", DefaultValueFactory = _ => 1000 };
        var limit = new Option<int>("--downtime-limit-ms") { Description = "Switch over when the rest fits this pause at the measured bandwidth (QEMU: 300).", DefaultValueFactory = _ => 300 };
        var rounds = new Option<int>("--max-rounds") { Description = "Switch over after this many rounds anyway.", DefaultValueFactory = _ => 30 };
        var autoConverge = new Option<bool>("--auto-converge") { Description = "Throttle the workload when rounds do not converge (QEMU: 20 % first, +10 % per step)." };
        var tls = new Option<bool>("--tls") { Description = "Measure each dirty rate twice, over plain text and over mutual TLS (a throw-away CA), side by side; with --bandwidth-mbit 0 it shows what TLS costs." };
        var json = JsonOutput.Create("the rows");
        var command = new Command("migration", "Hot moves between two agents over loopback with a bandwidth cap, one per dirty rate: downtime, total time, bytes sent ÷ memory, rounds.")
        {
            memory, rates, bandwidth, limit, rounds, autoConverge, tls, json,
        };
        command.Handle(async (p, ct) =>
        {
            if (p.GetValue(memory) is <= 0 or > 4096 || p.GetValue(bandwidth) < 0 || p.GetValue(limit) <= 0 || p.GetValue(rounds) <= 0 || p.GetValue(rates)!.Any(r => r < 0))
            {
                throw new ArgumentException("--memory-mib must be 1 to 4096, --downtime-limit-ms and --max-rounds above 0, --bandwidth-mbit and --dirty-rates not negative.");
            }
            var settings = new MigrationBenchmarkSettings
            {
                MemoryBytes = (long)p.GetValue(memory) << 20,
                DirtyRates = p.GetValue(rates)!.Select(r => r * 1e6).ToList(),
                BandwidthCap = p.GetValue(bandwidth) * 1e6 / 8,
                DowntimeLimit = TimeSpan.FromMilliseconds(p.GetValue(limit)),
                MaxRounds = p.GetValue(rounds),
                AutoConverge = p.GetValue(autoConverge),
                CompareTls = p.GetValue(tls),
            };
            string cap = settings.BandwidthCap > 0 ? $"{p.GetValue(bandwidth)} Mbit/s" : "no bandwidth cap";
            Console.Error.WriteLine($"{p.GetValue(memory)} MiB, {cap}, downtime limit {p.GetValue(limit)} ms{(settings.AutoConverge ? ", auto-converge" : "")}; one hot move per dirty rate{(settings.CompareTls ? ", over plain text then mutual TLS" : "")} ...");
            var table = new TextTable("DIRTY MB/S", "TRANSPORT", "DOWNTIME", "PREDICTED", "TOTAL", "SENT/MEMORY", "ROUNDS", "SWITCHOVER", "BANDWIDTH", "THROTTLE", "VERIFIED");
            var progress = new Progress<MigrationBenchmarkRow>(r => Console.Error.WriteLine($"  {r.DirtyRate / 1e6:0} MB/s{(r.Tls ? " over TLS" : "")}: {r.DowntimeMs:0.0} ms down, {r.Rounds} round(s)"));
            var rows = await MigrationBenchmark.RunAsync(settings, progress, ct).ConfigureAwait(false);
            foreach (var r in rows)
            {
                table.Add((r.DirtyRate / 1e6).ToString("0", CultureInfo.InvariantCulture), r.Tls ? "mutual TLS" : "plain", $"{r.DowntimeMs:0.0} ms", $"{r.PredictedDowntimeMs:0.0} ms", $"{r.TotalMs:0} ms",
                    r.SentRatio.ToString("0.00", CultureInfo.InvariantCulture), r.Rounds.ToString(CultureInfo.InvariantCulture),
                    r.Switchover.ToString().ToLowerInvariant(), $"{r.BandwidthMBps:0} MB/s", $"{r.Throttle * 100:0} %", r.StateVerified ? "yes" : "NO");
            }
            if (!JsonOutput.ToStdout(p, json))
            {
                Console.Write(table);
                PrintComparisons(settings, rows);
            }
            await JsonOutput.WriteAsync(p, json, () => new JsonObject
            {
                ["memoryBytes"] = settings.MemoryBytes,
                ["bandwidthBytesPerSecond"] = settings.BandwidthCap,
                ["downtimeLimitMs"] = p.GetValue(limit),
                ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
                {
                    ["dirtyRate"] = r.DirtyRate,
                    ["tls"] = r.Tls,
                    ["bandwidthMBps"] = r.BandwidthMBps,
                    ["downtimeMs"] = r.DowntimeMs,
                    ["predictedMs"] = r.PredictedDowntimeMs,
                    ["totalMs"] = r.TotalMs,
                    ["sentOverMemory"] = r.SentRatio,
                    ["rounds"] = r.Rounds,
                    ["switchover"] = r.Switchover.ToString().ToLowerInvariant(),
                    ["throttle"] = r.Throttle,
                    ["stateVerified"] = r.StateVerified,
                }).ToArray()),
            }, ct).ConfigureAwait(false);
            return Cli.Ok;
        });
        return command;
    }

    // Below the table: TLS against plain text (with --tls) and the field's figures.
    private static void PrintComparisons(MigrationBenchmarkSettings settings, IReadOnlyList<MigrationBenchmarkRow> rows)
    {
        if (settings.CompareTls)
        {
            // Per rate, TLS over plain text measured one right after the other; the median of
            // those pairs resists a neighbour that takes the CPU during one move.
            var pairs = rows.Where(r => !r.Tls).Zip(rows.Where(r => r.Tls)).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Mutual TLS vs plain text: bandwidth {Median(pairs.Select(p => p.Second.BandwidthMBps / p.First.BandwidthMBps)):0.00}x, total move time {Median(pairs.Select(p => p.Second.TotalMs / p.First.TotalMs)):0.00}x, downtime {Median(pairs.Select(p => p.Second.DowntimeMs / p.First.DowntimeMs)):0.00}x (medians of {pairs.Count} pair(s) measured one after the other in this run)."));
        }
        Console.WriteLine("For comparison: QEMU's default downtime limit is 300 ms; Clark et al. (NSDI 2005) measured 60 ms (Quake 3) to 210 ms (SPECweb).");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
