using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Memory;

namespace Nvo3.Cli.Bench;

/// <summary><c>nvo3 bench nva</c>: moves and look-ups per second, and watch fan-out latency, for each store.</summary>
internal static class NvaBenchCommand
{
    private static readonly string[] Stores = ["memory", "sqlite", "etcd"];

    public static Command Create()
    {
        var store = new Option<string>("--store")
        {
            Description = "The backend to measure: memory, sqlite (a file in a temporary folder), etcd (a throw-away etcd on loopback; needs /usr/bin/etcd) or all (etcd only when installed).",
            DefaultValueFactory = _ => "all",
        };
        store.AcceptOnlyFromAmong([.. Stores, "all"]);
        var moves = new Option<int>("--moves") { Description = "Timed moves per backend.", DefaultValueFactory = _ => 2000 };
        var lookups = new Option<int>("--lookups") { Description = "Timed look-ups per backend.", DefaultValueFactory = _ => 20000 };
        var subscribers = new Option<string>("--subscribers") { Description = "Watching subscriber counts for the fan-out measurement, comma-separated.", DefaultValueFactory = _ => "100,1000" };
        var fanoutMoves = new Option<int>("--fanout-moves") { Description = "Timed moves per subscriber count.", DefaultValueFactory = _ => 20 };
        var concurrency = new Option<int>("--concurrency") { Description = "Client tasks issuing moves (each on its own binding), and look-ups, at once.", DefaultValueFactory = _ => 8 };
        var json = JsonOutput.Create("the figures");

        var command = new Command("nva", "Measure the NVA through its gRPC API on each store: moves/s, look-ups/s, and how long one move takes to reach 100 and 1,000 watching subscribers (p50, p99).")
        {
            store, moves, lookups, subscribers, fanoutMoves, concurrency, json,
        };
        command.Handle(async (p, ct) =>
        {
            var settings = new NvaBenchSettings(
                AtLeastOne(p.GetValue(moves), "--moves"),
                AtLeastOne(p.GetValue(lookups), "--lookups"),
                ParseCounts(p.GetValue(subscribers)!),
                p.GetValue(concurrency) is >= 1 and <= 256 and var c ? c : throw new ArgumentException("--concurrency must be 1 to 256."),
                AtLeastOne(p.GetValue(fanoutMoves), "--fanout-moves"));
            string chosen = p.GetValue(store)!;
                        if (chosen == "etcd" && !LocalEtcd.IsInstalled)
            {
                throw new IOException($"--store etcd needs etcd, and {LocalEtcd.ExecutablePath} is missing (apt-get install etcd-server).");
            }

            var bench = new NvaBench(settings, line => Console.Error.WriteLine($"nvo3 bench nva: {line}"));
            var figures = new List<NvaBenchFigures>();
            var skipped = new JsonArray();
            foreach (string name in chosen == "all" ? Stores : [chosen])
            {
                if (name == "etcd" && !LocalEtcd.IsInstalled)
                {
                    string reason = $"{LocalEtcd.ExecutablePath} is missing (apt-get install etcd-server)";
                    Console.Error.WriteLine($"nvo3 bench nva: etcd skipped: {reason}.");
                    skipped.Add(new JsonObject { ["store"] = name, ["reason"] = reason });
                    continue;
                }
                try
                {
                    figures.Add(await MeasureAsync(bench, name, ct).ConfigureAwait(false));
                }
                catch (InvalidOperationException ex)
                {
                    // A check of the bench failed (a move that did not land, a subscriber that never heard of it).
                    await Console.Error.WriteLineAsync($"nvo3 bench nva: {name}: {ex.Message}").ConfigureAwait(false);
                    return Cli.Failed;
                }
            }

            if (!JsonOutput.ToStdout(p, json))
            {
                Console.Write(Table(figures, settings));
                Console.WriteLine($"moves: unplanned activations alternating between two NVEs, {settings.Concurrency} client tasks each on its own binding; "
                    + $"look-ups: LookupByIp from {settings.Concurrency} tasks; fan-out: {settings.FanoutMoves} moves, from sending the move to each subscriber "
                    + $"receiving it, {NvaBenchSettings.SubscribersPerConnection} watch streams per HTTP/2 connection. NVA and clients in this process, on {Environment.ProcessorCount} cores.");
            }
            await JsonOutput.WriteAsync(p, json, () =>
            {
                var report = new JsonObject
                {
                    ["bench"] = "nva",
                    ["machine"] = new JsonObject
                    {
                        ["processors"] = Environment.ProcessorCount,
                        ["os"] = RuntimeInformation.OSDescription,
                        ["runtime"] = RuntimeInformation.FrameworkDescription,
                    },
                    ["settings"] = new JsonObject
                    {
                        ["moves"] = settings.Moves,
                        ["lookups"] = settings.Lookups,
                        ["subscribers"] = new JsonArray(settings.Subscribers.Select(s => (JsonNode)s).ToArray()),
                        ["fanoutMoves"] = settings.FanoutMoves,
                        ["concurrency"] = settings.Concurrency,
                        ["subscribersPerConnection"] = NvaBenchSettings.SubscribersPerConnection,
                    },
                    ["backends"] = new JsonArray(figures.Select(f => (JsonNode)f.ToJson()).ToArray()),
                    ["skipped"] = skipped,
                };
                return Json.Print(report) + "\n";
            }, ct).ConfigureAwait(false);
            return Cli.Ok;
        });
        return command;
    }

    private static async Task<NvaBenchFigures> MeasureAsync(NvaBench bench, string name, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case "memory":
                return await bench.RunAsync(name, new MemoryStore(), cancellationToken).ConfigureAwait(false);
            case "sqlite":
            {
                string folder = Path.Combine(Path.GetTempPath(), "nvo3-bench-" + Guid.NewGuid().ToString("N"));
                try
                {
                    var store = await DirectoryStores.OpenAsync("sqlite:" + Path.Combine(folder, "nva.db"), cancellationToken).ConfigureAwait(false);
                    return await bench.RunAsync(name, store, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (Directory.Exists(folder))
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                }
            }
            default:
            {
                await using var etcd = await LocalEtcd.StartAsync(cancellationToken).ConfigureAwait(false);
                var store = await DirectoryStores.OpenAsync("etcd:" + etcd.ClientUrl, cancellationToken).ConfigureAwait(false);
                return await bench.RunAsync(name, store, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static TextTable Table(IReadOnlyList<NvaBenchFigures> figures, NvaBenchSettings settings)
    {
        string[] headers =
        [
            "STORE", "MOVES/S", "MOVE p50/p99 ms", "LOOKUPS/S", "LOOKUP p50/p99 ms",
            .. settings.Subscribers.Select(s => $"FAN-OUT {s.ToString("N0", CultureInfo.InvariantCulture)} p50/p99 ms"),
        ];
        var table = new TextTable(headers);
        foreach (var f in figures)
        {
            table.Add(
            [
                f.Store,
                f.MovesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                Pair(f.MoveLatency),
                f.LookupsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                Pair(f.LookupLatency),
                .. f.Fanout.Select(o => Pair(o.Delivery)),
            ]);
        }
        return table;
    }

    private static string Pair(LatencySummary s) => string.Create(CultureInfo.InvariantCulture, $"{s.P50Ms:0.00} / {s.P99Ms:0.00}");

    private static int AtLeastOne(int value, string option) => value >= 1 ? value : throw new ArgumentException($"{option} must be at least 1.");

    private static List<int> ParseCounts(string text)
    {
        var counts = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            counts.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 10_000 ? n
                : throw new ArgumentException($"--subscribers: '{part}' is not a count from 1 to 10000; write them like 100,1000."));
        }
        return counts.Count > 0 ? counts : throw new ArgumentException("--subscribers needs at least one count, like 100,1000.");
    }
}
