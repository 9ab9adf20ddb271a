namespace Nvo3.Lab.Reports;

/// <summary>A phase of a move (an interval) or an instant (<paramref name="StartMs"/> = <paramref name="EndMs"/>).</summary>
/// <param name="Kind">What it is: it picks the lane and the colour.</param>
/// <param name="Label">What the plot writes, like "round 0" or "pause 5.7 ms".</param>
/// <param name="StartMs">When it began, milliseconds from the timeline's origin.</param>
/// <param name="EndMs">When it ended.</param>
public sealed record TimelinePhase(TimelinePhaseKind Kind, string Label, double StartMs, double EndMs);
