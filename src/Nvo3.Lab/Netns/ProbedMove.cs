using Nvo3.Lab.Reports;

namespace Nvo3.Lab.Netns;

/// <summary>A netns move measured by probes: what the move took, what the probes saw, and its timeline for the HTML report.</summary>
/// <param name="Move">The move.</param>
/// <param name="Probes">The probes' totals.</param>
/// <param name="Timeline">Every probe and the move's phases, titled and with its table row.</param>
public sealed record ProbedMove(MoveReport Move, ProbeSummary Probes, MoveTimeline Timeline);
