using System.Text;

namespace Nvo3.Lab.Reports;

/// <summary>
/// A self-contained HTML report of moves: a summary table, then per move its row, one SVG plot
/// of every probe with the move's phases (<see cref="MoveTimelineSvg"/>) and its notes. Inline CSS
/// and SVG only: no script, no font, no network, so it opens anywhere, offline, years later.
/// </summary>
public static class MoveReportHtml
{
    private const string Style = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1a1a1a; max-width: 1000px; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 2px; }
        p.meta, p.description { color: #555; margin: 2px 0 8px; }
        table { border-collapse: collapse; font: 12px ui-monospace, monospace; margin: 6px 0; }
        th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; white-space: nowrap; }
        th { background: #f4f4f4; }
        .verdict { font-size: 12px; padding: 1px 7px; border-radius: 9px; margin-left: 8px; vertical-align: middle; }
        .verdict.passed { background: #e3f4e1; color: #1e6b1e; } .verdict.failed { background: #fde2e1; color: #a11; }
        svg.timeline { display: block; margin: 8px 0; background: #fff; }
        svg .grid line { stroke: #eee; } svg text { font: 11px system-ui, sans-serif; fill: #444; }
        svg text.axis { fill: #222; } svg text.lane-name { fill: #666; } svg text.phase-label { fill: #222; }
        svg .received circle { fill: #2c6fbb; fill-opacity: 0.75; }
        svg .lost line { stroke: #d62728; stroke-width: 1.2; } svg text.lost { fill: #d62728; }
        svg .phase.transfer { fill: #9ecae1; stroke: #5b9bd5; stroke-width: 0.5; }
        svg .phase.pause, svg .band.pause { fill: #fd8d3c; } svg .band.pause { fill-opacity: 0.18; }
        svg .phase.activation { fill: #31a354; } svg .phase.convergence { fill: #9e9ac8; }
        svg .guide { stroke-dasharray: 3 3; stroke-width: 1; } svg .guide.pause { stroke: #fd8d3c; }
        svg .guide.activation { stroke: #31a354; } svg .guide.convergence { stroke: #9e9ac8; }
        .notes { color: #444; font-size: 13px; }
        """;

    /// <summary>The whole page: <paramref name="title"/>, a line under it, then every move.</summary>
    public static string Render(string title, string meta, IReadOnlyList<MoveTimeline> moves)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>{MoveTimelineSvg.Text(title)}</title>\n<style>\n{Style}</style>\n</head>\n<body>\n");
        html.Append($"<h1>{MoveTimelineSvg.Text(title)}</h1>\n<p class=\"meta\">{MoveTimelineSvg.Text(meta)}</p>\n");
        html.Append("<p class=\"meta\">Each dot is a probe that arrived: across, when it was sent; up, how long it took (packets held while the workload was paused rise). ")
            .Append("Red ticks at the bottom are probes that never arrived. Lanes above: pre-copy rounds, the pause, the activation at the new NVE, and the correspondent's convergence.</p>\n");
        if (moves.Count > 0)
        {
            Table(html, moves, "summary");
        }
        foreach (var move in moves)
        {
            string verdict = move.Passed switch
            {
                true => "<span class=\"verdict passed\">passed</span>",
                false => "<span class=\"verdict failed\">failed</span>",
                null => "",
            };
            html.Append($"<section class=\"move\" data-move=\"{MoveTimelineSvg.Attr(move.Title)}\">\n<h2>{MoveTimelineSvg.Text(move.Title)}{verdict}</h2>\n");
            if (move.Description.Length > 0)
            {
                html.Append($"<p class=\"description\">{MoveTimelineSvg.Text(move.Description)}</p>\n");
            }
            Table(html, [move], "row");
            html.Append(MoveTimelineSvg.Render(move)).Append('\n');
            if (move.Notes.Length > 0)
            {
                html.Append($"<p class=\"notes\">{MoveTimelineSvg.Text(move.Notes)}</p>\n");
            }
            html.Append("</section>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    // The moves' figures as a table whose columns are the first move's.
    private static void Table(StringBuilder html, IReadOnlyList<MoveTimeline> moves, string cls)
    {
        var columns = moves[0].Figures.Select(f => f.Name).ToList();
        if (columns.Count == 0)
        {
            return;
        }
        html.Append($"<table class=\"{cls}\">\n<tr>");
        foreach (string column in columns)
        {
            html.Append($"<th>{MoveTimelineSvg.Text(column)}</th>");
        }
        html.Append("</tr>\n");
        foreach (var move in moves)
        {
            html.Append("<tr>");
            foreach (string column in columns)
            {
                html.Append($"<td>{MoveTimelineSvg.Text(move.Figures.FirstOrDefault(f => f.Name == column)?.Value ?? "")}</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
    }
}
