using System.Text.Json.Nodes;

namespace Nvo3.Cli.Bench;

/// <summary>What <c>nvo3 bench nva</c> measured on one backend.</summary>
/// <param name="Store">memory, sqlite or etcd.</param>
/// <param name="Moves">Timed moves (unplanned activations).</param>
/// <param name="MovesPerSecond">Moves the NVA acknowledged per second, all client tasks together.</param>
/// <param name="MoveLatency">From sending one move to its acknowledgement.</param>
/// <param name="Lookups">Timed look-ups by IP.</param>
/// <param name="LookupsPerSecond">Look-ups answered per second, all client tasks together.</param>
/// <param name="LookupLatency">From sending one look-up to its answer.</param>
/// <param name="Fanout">One entry per subscriber count.</param>
internal sealed record NvaBenchFigures(
    string Store,
    int Moves,
    double MovesPerSecond,
    LatencySummary MoveLatency,
    int Lookups,
    double LookupsPerSecond,
    LatencySummary LookupLatency,
    IReadOnlyList<FanoutFigures> Fanout)
{
    /// <summary>The JSON form written by --json (add fields, never rename).</summary>
    public JsonObject ToJson() => new()
    {
        ["store"] = Store,
        ["moves"] = Moves,
        ["movesPerSecond"] = Math.Round(MovesPerSecond, 1),
        ["moveLatency"] = MoveLatency.ToJson(),
        ["lookups"] = Lookups,
        ["lookupsPerSecond"] = Math.Round(LookupsPerSecond, 1),
        ["lookupLatency"] = LookupLatency.ToJson(),
        ["fanout"] = new JsonArray(Fanout.Select(f => (JsonNode)f.ToJson()).ToArray()),
    };
}

/// <summary>How long one move took to reach every watching subscriber.</summary>
/// <param name="Subscribers">Watch streams open.</param>
/// <param name="Connections">HTTP/2 connections (gRPC channels) they shared.</param>
/// <param name="Moves">Timed moves.</param>
/// <param name="Delivery">From sending a move to each subscriber receiving it: one value per subscriber per move.</param>
/// <param name="LastSubscriber">From sending a move to the last subscriber receiving it: one value per move.</param>
internal sealed record FanoutFigures(int Subscribers, int Connections, int Moves, LatencySummary Delivery, LatencySummary LastSubscriber)
{
    /// <summary>The JSON form written by --json.</summary>
    public JsonObject ToJson() => new()
    {
        ["subscribers"] = Subscribers,
        ["connections"] = Connections,
        ["moves"] = Moves,
        ["p50Ms"] = Math.Round(Delivery.P50Ms, 3),
        ["p99Ms"] = Math.Round(Delivery.P99Ms, 3),
        ["maxMs"] = Math.Round(Delivery.MaxMs, 3),
        ["lastSubscriberP50Ms"] = Math.Round(LastSubscriber.P50Ms, 3),
        ["lastSubscriberP99Ms"] = Math.Round(LastSubscriber.P99Ms, 3),
    };
}
