namespace Nvo3.Lab.Reports;

/// <summary>
/// One move as the HTML report draws it, independent of which lab made it: every probe with its
/// send and receive time, the move's phases, and the figures of its table row. Times are
/// milliseconds from the timeline's origin (the first probe sent). The in-process demo
/// (<see cref="ScenarioTimeline"/>) and the netns lab both fill it; <see cref="MoveReportHtml"/> draws it.
/// </summary>
public sealed record MoveTimeline
{
    /// <summary>The move's name: a scenario, or "vm1 h1 → h2".</summary>
    public string Title { get; init; } = "";

    /// <summary>One line on what moved and how.</summary>
    public string Description { get; init; } = "";

    /// <summary>True passed, false failed, null when the lab does not judge.</summary>
    public bool? Passed { get; init; }

    /// <summary>Every probe sent, in sequence order.</summary>
    public IReadOnlyList<TimelineProbe> Probes { get; init; } = [];

    /// <summary>The move's phases and instants, in time order.</summary>
    public IReadOnlyList<TimelinePhase> Phases { get; init; } = [];

    /// <summary>The table row: column names and values, in column order.</summary>
    public IReadOnlyList<MoveFigure> Figures { get; init; } = [];

    /// <summary>Notes a reader should see under the plot.</summary>
    public string Notes { get; init; } = "";
}
