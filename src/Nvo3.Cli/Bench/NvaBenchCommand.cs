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
            Description = "The backend to measure: memory, sqlite (a file in a temporary folder), etcd (a throw-away etcd cluster on loopback; needs /usr/bin/etcd) or all (etcd only when installed).",
            DefaultValueFactory = _ => "all",
        };
        store.AcceptOnlyFromAmong([.. Stores, "all"]);
        var moves = new Option<int?>("--moves") { Description = "Timed moves per backend (default 2,000; 20,000 with --nves)." };
        var lookups = new Option<int?>("--lookups") { Description = "Timed look-ups per backend (default 20,000; 200,000 with --nves)." };
        var subscribers = new Option<string>("--subscribers") { Description = "Without --nves: watching subscriber counts for the fan-out measurement, comma-separated.", DefaultValueFactory = _ => "100,1000" };
        var fanoutMoves = new Option<int?>("--fanout-moves") { Description = "Timed moves per subscriber count (default 20; 50 with --nves)." };
        var concurrency = new Option<int?>("--concurrency") { Description = "Client tasks issuing moves (each on its own binding), and look-ups, at once (default 8; 64 with --nves)." };
        var nves = new Option<int>("--nves") { Description = "Scale mode: this many NVEs, each simulated by a watch stream of its own network (e.g. 1000)." };
        var vms = new Option<int>("--vms") { Description = "Scale mode: this many bindings, spread evenly over the NVEs (e.g. 100000).", DefaultValueFactory = _ => 100_000 };
        var networkSize = new Option<int>("--network-size") { Description = "Scale mode: NVEs per virtual network.", DefaultValueFactory = _ => 100 };
        var members = new Option<int?>("--etcd-members") { Description = "Members of the throw-away etcd cluster (default 1; 3 with --nves)." };
        var json = JsonOutput.Create("the figures");

        var command = new Command("nva", "Measure the NVA through its gRPC API on each store: moves/s, look-ups/s, and how long one move takes to reach its watchers "
            + "(by default 100 and 1,000 subscribers of everything; with --nves N --vms M, N NVEs in networks of --network-size, each watching its own network).")
        {
            store, moves, lookups, subscribers, fanoutMoves, concurrency, nves, vms, networkSize, members, json,
        };
        command.Handle(async (p, ct) =>
        {
            bool scale = p.GetValue(nves) > 0;
            int Pick(Option<int?> option, int classic, int large, string name) =>
                p.GetValue(option) is { } v ? AtLeastOne(v, name) : scale ? large : classic;
            int c = Pick(concurrency, 8, 64, "--concurrency") is <= 256 and var cc ? cc : throw new ArgumentException("--concurrency must be 1 to 256.");
            int etcdMembers = Pick(members, 1, 3, "--etcd-members");
            string chosen = p.GetValue(store)!;
            if (chosen == "etcd" && !LocalEtcd.IsInstalled)
            {
                throw new IOException($"--store etcd needs etcd, and {LocalEtcd.ExecutablePath} is missing (apt-get install etcd-server).");
            }
            var skipped = new JsonArray();
            var names = new List<string>();
            foreach (string name in chosen == "all" ? Stores : [chosen])
            {
                if (name == "etcd" && !LocalEtcd.IsInstalled)
                {
                    string reason = $"{LocalEtcd.ExecutablePath} is missing (apt-get install etcd-server)";
                    Console.Error.WriteLine($"nvo3 bench nva: etcd skipped: {reason}.");
                    skipped.Add(new JsonObject { ["store"] = name, ["reason"] = reason });
                    continue;
                }
                names.Add(name);
            }
            void Progress(string line) => Console.Error.WriteLine($"nvo3 bench nva: {line}");
            string Label(string name) => name == "etcd" && etcdMembers > 1 ? $"etcd x{etcdMembers}" : name;
            JsonArray results;
            JsonObject settingsJson;
            try
            {
                if (scale)
                {
                    var settings = new NvaScaleSettings(AtLeastOne(p.GetValue(nves), "--nves"), AtLeastOne(p.GetValue(vms), "--vms"), AtLeastOne(p.GetValue(networkSize), "--network-size"),
                        Pick(moves, 2000, 20_000, "--moves"), Pick(lookups, 20_000, 200_000, "--lookups"), Pick(fanoutMoves, 20, 50, "--fanout-moves"), c);
                    var bench = new NvaScaleBench(settings, Progress);
                    var figures = new List<NvaScaleFigures>();
                    foreach (string name in names)
                    {
                        figures.Add(await WithStoreAsync(name, etcdMembers, s => bench.RunAsync(Label(name), s, ct), ct).ConfigureAwait(false));
                    }
                    if (!JsonOutput.ToStdout(p, json))
                    {
                        Console.Write(NvaScaleFigures.Table(figures));
                        Console.WriteLine($"{settings.Nves:N0} NVEs in {settings.Networks} networks of {settings.NetworkSize}, {settings.Vms:N0} bindings; moves: unplanned activations between two NVEs of a "
                            + $"network, {c} tasks each on its own bindings; look-ups: LookupByIp over all bindings from {c} tasks; fan-out: {settings.FanoutMoves} moves while every NVE watches its "
                            + $"network ({NvaBenchSettings.SubscribersPerConnection} streams per HTTP/2 connection). NVA and clients in this process, on {Environment.ProcessorCount} cores.");
                    }
                    results = new JsonArray(figures.Select(f => (JsonNode)f.ToJson()).ToArray());
                    settingsJson = new JsonObject { ["mode"] = "scale", ["etcdMembers"] = etcdMembers };
                }
                else
                {
                    var settings = new NvaBenchSettings(Pick(moves, 2000, 20_000, "--moves"), Pick(lookups, 20_000, 200_000, "--lookups"), ParseCounts(p.GetValue(subscribers)!), c,
                        Pick(fanoutMoves, 20, 50, "--fanout-moves"));
                    var bench = new NvaBench(settings, Progress);
                    var figures = new List<NvaBenchFigures>();
                    foreach (string name in names)
                    {
                        figures.Add(await WithStoreAsync(name, etcdMembers, s => bench.RunAsync(Label(name), s, ct), ct).ConfigureAwait(false));
                    }
                    if (!JsonOutput.ToStdout(p, json))
                    {
                        Console.Write(Table(figures, settings));
                        Console.WriteLine($"moves: unplanned activations alternating between two NVEs, {settings.Concurrency} client tasks each on its own binding; "
                            + $"look-ups: LookupByIp from {settings.Concurrency} tasks; fan-out: {settings.FanoutMoves} moves, from sending the move to each subscriber "
                            + $"receiving it, {NvaBenchSettings.SubscribersPerConnection} watch streams per HTTP/2 connection. NVA and clients in this process, on {Environment.ProcessorCount} cores.");
                    }
                    results = new JsonArray(figures.Select(f => (JsonNode)f.ToJson()).ToArray());
                    settingsJson = new JsonObject
                    {
                        ["mode"] = "classic",
                        ["moves"] = settings.Moves,
                        ["lookups"] = settings.Lookups,
                        ["subscribers"] = new JsonArray(settings.Subscribers.Select(s => (JsonNode)s).ToArray()),
                        ["fanoutMoves"] = settings.FanoutMoves,
                        ["concurrency"] = settings.Concurrency,
                        ["subscribersPerConnection"] = NvaBenchSettings.SubscribersPerConnection,
                        ["etcdMembers"] = etcdMembers,
                    };
                }
            }
            catch (InvalidOperationException ex)
            {
                // A check of the bench failed (a move that did not land, a subscriber that never heard of it).
                await Console.Error.WriteLineAsync($"nvo3 bench nva: {ex.Message}").ConfigureAwait(false);
                return Cli.Failed;
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
                    ["settings"] = settingsJson,
                    ["backends"] = results,
                    ["skipped"] = skipped,
                };
                return Json.Print(report) + "\n";
            }, ct).ConfigureAwait(false);
            return Cli.Ok;
        });
        return command;
    }

    // Opens the named store (a fresh SQLite file, or a throw-away etcd cluster), runs the bench on
    // it, and removes what it made.
    private static async Task<T> WithStoreAsync<T>(string name, int etcdMembers, Func<IDirectoryStore, Task<T>> run, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case "memory":
                return await run(new MemoryStore()).ConfigureAwait(false);
            case "sqlite":
            {
                string folder = Path.Combine(Path.GetTempPath(), "nvo3-bench-" + Guid.NewGuid().ToString("N"));
                try
                {
                    return await run(await DirectoryStores.OpenAsync("sqlite:" + Path.Combine(folder, "nva.db"), cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
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
                await using var etcd = await LocalEtcd.StartAsync(etcdMembers, cancellationToken).ConfigureAwait(false);
                return await run(await DirectoryStores.OpenAsync(etcd.StoreSpec, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
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
