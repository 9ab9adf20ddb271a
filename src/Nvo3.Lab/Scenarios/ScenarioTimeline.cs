using Nvo3.Lab.Reports;
using Nvo3.Migration;
using Nvo3.Nva;

namespace Nvo3.Lab;

/// <summary>
/// The timeline of one demo scenario for the HTML report: every probe's send and receive time
/// (from what <see cref="ProbeStream"/> and <see cref="ProbeLog"/> already keep per probe, read
/// after the move) and the move's phases from the lab's timestamps and the engine's figures.
/// </summary>
public static class ScenarioTimeline
{
    /// <summary>
    /// Reads the timeline of a finished move: <paramref name="probes"/> as sent, <paramref name="log"/>
    /// as received, the pause and resume <paramref name="move"/> stamped, the destination NVE's
    /// <paramref name="activatedTicks"/> (on the same clock), the pre-copy rounds of
    /// <paramref name="result"/> and <paramref name="convergenceMs"/> (−1: none).
    /// </summary>
    public static MoveTimeline Capture(ProbeStream probes, ProbeLog log, Move move, long activatedTicks, MigrationResult result, double convergenceMs)
    {
        double frequency = move.Time.TimestampFrequency;
        probes.TryGetSent(0, out long origin);
        double Ms(long ticks) => (ticks - origin) * 1000.0 / frequency;

        var timeline = new List<TimelineProbe>((int)Math.Min(probes.Sent, int.MaxValue));
        for (long s = 0; probes.TryGetSent(s, out long sent); s++)
        {
            timeline.Add(new TimelineProbe(s, Ms(sent), log.TryGetArrival(s, out long arrived) ? Ms(arrived) : null));
        }

        var phases = new List<TimelinePhase>();
        if (move.PausedTicks != 0)
        {
            double paused = Ms(move.PausedTicks);
            if (result.Mode == MigrationMode.Hot)
            {
                // Pre-copy rounds run back to back until the pause: their durations, laid backwards
                // from it, place them (the engine keeps durations, not start times).
                var rounds = result.RoundFigures.Where(r => !r.Final).ToList();
                double end = paused;
                for (int i = rounds.Count - 1; i >= 0; i--)
                {
                    double start = end - rounds[i].Duration.TotalMilliseconds;
                    phases.Insert(0, new TimelinePhase(TimelinePhaseKind.Transfer, $"round {rounds[i].Round}", start, end));
                    end = start;
                }
            }
            double resumed = move.RunningTicks != 0 ? Ms(move.RunningTicks) : paused;
            phases.Add(new TimelinePhase(TimelinePhaseKind.Pause, $"pause {resumed - paused:0.0} ms", paused, resumed));
        }
        if (activatedTicks != 0)
        {
            double activated = Ms(activatedTicks);
            phases.Add(new TimelinePhase(TimelinePhaseKind.Activation, "activation", activated, activated));
            if (convergenceMs >= 0)
            {
                phases.Add(new TimelinePhase(TimelinePhaseKind.Convergence, $"convergence {convergenceMs:0.0} ms", activated, activated + convergenceMs));
            }
        }
        return new MoveTimeline { Probes = timeline, Phases = phases };
    }

    /// <summary>The timeline of <paramref name="report"/> with its title, verdict, notes and table row, ready to draw.</summary>
    public static MoveTimeline ForReport(ScenarioReport report) => (report.Timeline ?? new MoveTimeline()) with
    {
        Title = report.Name,
        Description = ScenarioSpec.Find(report.Name)?.Description ?? "",
        Passed = report.Passed,
        Figures = ScenarioRow.Figures(report),
        Notes = report.Notes,
    };
}
