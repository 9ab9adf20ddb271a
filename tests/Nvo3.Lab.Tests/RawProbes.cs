using Nvo3.Lab.Reports;

namespace Nvo3.Lab.Tests;

/// <summary>
/// A scenario's verdict read from the raw probe log (every sequence number sent, and when each
/// arrived), computed here and not by the lab, so a mistake in the lab's own figures or
/// <see cref="ScenarioReport.Passed"/> cannot pass a test.
/// </summary>
internal sealed class RawProbes
{
    private RawProbes(IReadOnlyList<TimelineProbe> probes, IReadOnlyList<TimelinePhase> phases)
    {
        Probes = probes;
        Phases = phases;
    }

    public IReadOnlyList<TimelineProbe> Probes { get; }

    public IReadOnlyList<TimelinePhase> Phases { get; }

    public int Sent => Probes.Count;

    public int Received => Probes.Count(p => p.ReceivedMs is not null);

    public IReadOnlyList<TimelineProbe> Lost => [.. Probes.Where(p => p.ReceivedMs is null)];

    /// <summary>Where the workload paused, in ms from the first probe (0 when the move never paused).</summary>
    public double PausedMs => Phases.FirstOrDefault(p => p.Kind == TimelinePhaseKind.Pause)?.StartMs ?? 0;

    /// <summary>When the destination NVE activated the port, in ms from the first probe.</summary>
    public double ActivatedMs => Assert.Single(Phases, p => p.Kind == TimelinePhaseKind.Activation).StartMs;

    /// <summary>The probe log of <paramref name="report"/>; asserts that it holds every sequence number from 0 once, in order.</summary>
    public static RawProbes Of(ScenarioReport report)
    {
        var timeline = Assert.IsType<MoveTimeline>(report.Timeline);
        Assert.Equal(Enumerable.Range(0, timeline.Probes.Count).Select(i => (long)i), timeline.Probes.Select(p => p.Sequence));
        return new RawProbes(timeline.Probes, timeline.Phases);
    }

    /// <summary>The longest time without an arrival, in arrival order, that overlaps [<paramref name="fromMs"/>, <paramref name="toMs"/>].</summary>
    public double LongestGapMs(double fromMs, double toMs)
    {
        var arrivals = Probes.Where(p => p.ReceivedMs is not null).Select(p => p.ReceivedMs!.Value).Order().ToList();
        double longest = 0;
        for (int i = 1; i < arrivals.Count; i++)
        {
            if (arrivals[i] >= fromMs && arrivals[i - 1] <= toMs)
            {
                longest = Math.Max(longest, arrivals[i] - arrivals[i - 1]);
            }
        }
        return longest;
    }

    /// <summary>The move's downtime: the longest silence overlapping the pause to half a second after the activation.</summary>
    public double DowntimeMs => LongestGapMs(PausedMs, ActivatedMs + 500);
}
