namespace Nvo3.Lab.Netns;

/// <summary>What the probes of a netns move saw.</summary>
/// <param name="From">The VM that sent them.</param>
/// <param name="Sent">Probes sent.</param>
/// <param name="Received">Distinct probes that arrived.</param>
/// <param name="Lost">Probes that never arrived.</param>
/// <param name="LongestGapMs">The longest time between two arrivals from the start of the move on.</param>
/// <param name="IntervalMs">One probe every this many milliseconds.</param>
public sealed record ProbeSummary(string From, long Sent, long Received, long Lost, double LongestGapMs, double IntervalMs);
