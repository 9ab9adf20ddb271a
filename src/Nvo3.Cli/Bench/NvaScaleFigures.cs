using System.Globalization;
using System.Text.Json.Nodes;

namespace Nvo3.Cli.Bench;

/// <summary>What <c>nvo3 bench nva --nves N --vms M</c> measured on one backend.</summary>
/// <param name="Store">memory, sqlite or etcd (with its member count).</param>
/// <param name="Settings">The directory's size and what was timed.</param>
/// <param name="AttachesPerSecond">Bindings attached per second while the directory was built.</param>
/// <param name="MovesPerSecond">Moves (unplanned activations) acknowledged per second, all tasks together.</param>
/// <param name="MoveLatency">From sending one move to its acknowledgement.</param>
/// <param name="LookupsPerSecond">Look-ups by IP answered per second, all tasks together.</param>
/// <param name="LookupLatency">From sending one look-up to its answer.</param>
/// <param name="StreamedLookupsPerSecond">The same look-ups on a few open look-up streams (what pull-mode NVEs keep open).</param>
/// <param name="StreamedLookupLatency">From sending one streamed look-up to its answer.</param>
/// <param name="Delivery">From sending a move to each NVE of its network receiving it.</param>
/// <param name="LastNve">From sending a move to the last NVE of its network receiving it: when the move has reached every interested NVE.</param>
/// <param name="ForeignDeliveries">Moves delivered to NVEs of other networks (a filtered watch must show none).</param>
internal sealed record NvaScaleFigures(string Store, NvaScaleSettings Settings, double AttachesPerSecond,
    double MovesPerSecond, LatencySummary MoveLatency, double LookupsPerSecond, LatencySummary LookupLatency,
    double StreamedLookupsPerSecond, LatencySummary StreamedLookupLatency, LatencySummary Delivery, LatencySummary LastNve, int ForeignDeliveries)
{
    /// <summary>The targets of issue 13, printed beside the figures.</summary>
    public const double TargetMovesPerSecond = 10_000, TargetLookupsPerSecond = 100_000, TargetP99Ms = 10;

    /// <summary>The JSON form written by --json (add fields, never rename).</summary>
    public JsonObject ToJson() => new()
    {
        ["store"] = Store,
        ["nves"] = Settings.Nves,
        ["vms"] = Settings.Vms,
        ["networks"] = Settings.Networks,
        ["networkSize"] = Settings.NetworkSize,
        ["concurrency"] = Settings.Concurrency,
        ["attachesPerSecond"] = Math.Round(AttachesPerSecond, 1),
        ["moves"] = Settings.Moves,
        ["movesPerSecond"] = Math.Round(MovesPerSecond, 1),
        ["moveLatency"] = MoveLatency.ToJson(),
        ["lookups"] = Settings.Lookups,
        ["lookupsPerSecond"] = Math.Round(LookupsPerSecond, 1),
        ["lookupLatency"] = LookupLatency.ToJson(),
        ["streamedLookupsPerSecond"] = Math.Round(StreamedLookupsPerSecond, 1),
        ["streamedLookupLatency"] = StreamedLookupLatency.ToJson(),
        ["fanoutMoves"] = Settings.FanoutMoves,
        ["delivery"] = Delivery.ToJson(),
        ["lastNve"] = LastNve.ToJson(),
        ["foreignDeliveries"] = ForeignDeliveries,
    };

    /// <summary>The figures as a table, each beside its target.</summary>
    public static TextTable Table(IEnumerable<NvaScaleFigures> figures)
    {
        var table = new TextTable("STORE", "ATTACH/S", "MOVES/S", "MOVE p50/p99 ms", "LOOKUPS/S", "LOOKUP p50/p99 ms", "STREAMED LOOKUPS/S", "p50/p99 ms",
            "MOVE TO EACH NVE p50/p99 ms", "TO EVERY NVE p50/p99 ms", "FOREIGN");
        foreach (var f in figures)
        {
            table.Add(f.Store, N(f.AttachesPerSecond), N(f.MovesPerSecond), Pair(f.MoveLatency), N(f.LookupsPerSecond), Pair(f.LookupLatency),
                N(f.StreamedLookupsPerSecond), Pair(f.StreamedLookupLatency), Pair(f.Delivery), Pair(f.LastNve), f.ForeignDeliveries.ToString(CultureInfo.InvariantCulture));
        }
        table.Add("target", "", $">= {N(TargetMovesPerSecond)}", "", $">= {N(TargetLookupsPerSecond)}", "", $">= {N(TargetLookupsPerSecond)}", "", "", $"p99 <= {TargetP99Ms:0}", "0");
        return table;
    }

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Pair(LatencySummary s) => string.Create(CultureInfo.InvariantCulture, $"{s.P50Ms:0.00} / {s.P99Ms:0.00}");
}
