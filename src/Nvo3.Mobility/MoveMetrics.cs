using System.Diagnostics.Metrics;
using Nvo3.Migration;
using Nvo3.Nva;

namespace Nvo3.Mobility;

/// <summary>
/// The moves' instruments, on the process's <see cref="Meter"/> named <see cref="MeterName"/>:
/// recorded once per move (its start and its end), tagged with its mode, the kind of workload
/// and, at the end, its outcome.
/// </summary>
public static class MoveMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Nvo3.Mobility";

    // Pauses and downtimes run from a few milliseconds (hot) to seconds (cold).
    private static readonly IReadOnlyList<double> s_buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Counter<long> s_moves = s_meter.CreateCounter<long>("nvo3.moves", "{move}",
        "Moves ended, by mode (hot, warm, cold, hot_standby), kind (the workload driver) and outcome (completed, aborted, in_doubt).");
    private static readonly UpDownCounter<long> s_running = s_meter.CreateUpDownCounter<long>("nvo3.moves.running", "{move}",
        "Moves under way, by mode and kind.");
    private static readonly Histogram<double> s_pause = s_meter.CreateHistogram("nvo3.move.pause.duration", "s",
        "From the source's pause (the switchover) until the workload ran at the destination, for completed moves.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_buckets });
    private static readonly Histogram<double> s_downtime = s_meter.CreateHistogram("nvo3.move.downtime.duration", "s",
        "From the source's pause until the destination NVE activated the workload (nothing reached it meanwhile but what was held), for completed moves.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_buckets });

    internal static void Started(MigrationMode mode, string kind) => s_running.Add(1, Mode(mode), Kind(kind));

    internal static void Ended(MoveReport report, double pauseMs, double downtimeMs)
    {
        var mode = Mode(report.Request.Mode);
        var kind = Kind(report.Kind);
        s_running.Add(-1, mode, kind);
        s_moves.Add(1, mode, kind, new KeyValuePair<string, object?>("outcome", MigrationMetrics.OutcomeName(report.Outcome)));
        if (report.Outcome == MigrationOutcome.Completed)
        {
            s_pause.Record(pauseMs / 1000, mode, kind);
            s_downtime.Record(downtimeMs / 1000, mode, kind);
        }
    }

    private static KeyValuePair<string, object?> Mode(MigrationMode mode) => new("mode", MigrationMetrics.ModeName(mode));

    private static KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);
}
