using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Nvo3.Cli.Bench;

/// <summary>The median, 99th percentile and maximum of a set of latencies, in milliseconds (nearest rank).</summary>
internal sealed record LatencySummary(int Count, double P50Ms, double P99Ms, double MaxMs)
{
    /// <summary>Summarises latencies given in <see cref="Stopwatch"/> ticks.</summary>
    public static LatencySummary FromTicks(IEnumerable<long> ticks)
    {
        var ms = ticks.Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray();
        if (ms.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0);
        }
        Array.Sort(ms);
        return new LatencySummary(ms.Length, Rank(ms, 0.50), Rank(ms, 0.99), ms[^1]);
    }

    /// <summary>The JSON form: count, p50Ms, p99Ms, maxMs.</summary>
    public JsonObject ToJson() => new()
    {
        ["count"] = Count,
        ["p50Ms"] = Math.Round(P50Ms, 3),
        ["p99Ms"] = Math.Round(P99Ms, 3),
        ["maxMs"] = Math.Round(MaxMs, 3),
    };

    // The smallest value with at least q of the values at or below it.
    private static double Rank(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
