using System.Globalization;
using System.Net;
using System.Text;

namespace Nvo3.Lab.Reports;

/// <summary>
/// Draws one <see cref="MoveTimeline"/> as inline SVG: one lane per phase kind at the top, then
/// every received probe as a dot (x = when it was sent, y = its one-way delay), then a lane of
/// red ticks for the probes that never arrived. Every probe is one element, so a reader (or a test
/// in a browser) can count them; the lanes' labels and the guides through the plot say when the
/// workload paused, when the new NVE activated it and when the correspondent converged.
/// </summary>
public static class MoveTimelineSvg
{
    private const double Width = 960;
    private const double Left = 92;
    private const double Right = 24;
    private const double LaneTop = 6;
    private const double LaneHeight = 16;
    private const double PlotTop = LaneTop + 4 * LaneHeight + 10;
    private const double PlotHeight = 210;
    private const double PlotBottom = PlotTop + PlotHeight;
    private const double LostTop = PlotBottom + 8;
    private const double LostHeight = 16;
    private const double AxisLabels = LostTop + LostHeight + 16;
    private const double Height = AxisLabels + 22;
    private const double CharWidth = 6.2; // of the 11 px labels, to keep them inside the picture

    private static readonly string[] s_laneNames = ["pre-copy", "pause", "activation", "convergence"];
    private static readonly string[] s_kindClasses = ["transfer", "pause", "activation", "convergence"];

    /// <summary>The SVG element for <paramref name="timeline"/>.</summary>
    public static string Render(MoveTimeline timeline)
    {
        var probes = timeline.Probes;
        var phases = timeline.Phases;
        double xMin = Math.Min(0, phases.Count == 0 ? 0 : phases.Min(p => p.StartMs));
        double xMax = Math.Max(probes.Count == 0 ? 1 : probes.Max(p => p.SentMs), phases.Count == 0 ? 1 : phases.Max(p => p.EndMs));
        double xStep = NiceStep((xMax - xMin) / 8);
        xMin = Math.Floor(xMin / xStep) * xStep;
        xMax = Math.Ceiling(xMax / xStep) * xStep;
        double yMaxData = probes.Where(p => !p.Lost).Select(p => p.DelayMs!.Value).DefaultIfEmpty(1).Max();
        double yStep = NiceStep(Math.Max(yMaxData, 0.01) / 4);
        double yMax = Math.Max(yStep, Math.Ceiling(yMaxData / yStep) * yStep);
        double X(double ms) => Left + (ms - xMin) / (xMax - xMin) * (Width - Left - Right);
        double Y(double ms) => PlotBottom - Math.Clamp(ms / yMax, 0, 1) * PlotHeight;

        int lost = probes.Count(p => p.Lost);
        var svg = new StringBuilder(64 * probes.Count + 4096);
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" data-move=\"{Attr(timeline.Title)}\" data-probes=\"{probes.Count}\" data-lost=\"{lost}\" "));
        svg.Append(Invariant($"width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Attr(timeline.Title)}: {probes.Count} probes, {lost} lost\">\n"));

        // Axes and grid.
        svg.Append("<g class=\"grid\">");
        for (double v = 0; v <= yMax + yStep / 2; v += yStep)
        {
            svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v):0.#}\" y2=\"{Y(v):0.#}\"/><text class=\"tick\" x=\"{Left - 6}\" y=\"{Y(v) + 4:0.#}\" text-anchor=\"end\">{Number(v)}</text>"));
        }
        for (double v = xMin; v <= xMax + xStep / 2; v += xStep)
        {
            svg.Append(Invariant($"<line x1=\"{X(v):0.#}\" x2=\"{X(v):0.#}\" y1=\"{PlotTop}\" y2=\"{PlotBottom}\"/><text class=\"tick\" x=\"{X(v):0.#}\" y=\"{AxisLabels}\" text-anchor=\"middle\">{Number(v)}</text>"));
        }
        svg.Append("</g>\n");
        svg.Append(Invariant($"<text class=\"axis\" x=\"14\" y=\"{PlotTop + PlotHeight / 2}\" transform=\"rotate(-90 14 {PlotTop + PlotHeight / 2})\" text-anchor=\"middle\">one-way delay (ms)</text>"));
        svg.Append(Invariant($"<text class=\"axis\" x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 4}\" text-anchor=\"middle\">time since the first probe was sent (ms)</text>\n"));

        // Lanes: one per phase kind, each labelled once; phases as bars (instants as diamonds), with guides through the plot.
        svg.Append("<g class=\"phases\">");
        for (int lane = 0; lane < s_laneNames.Length; lane++)
        {
            svg.Append(Invariant($"<text class=\"lane-name\" x=\"{Left - 6}\" y=\"{LaneTop + lane * LaneHeight + 11}\" text-anchor=\"end\">{s_laneNames[lane]}</text>"));
        }
        foreach (var kind in Enum.GetValues<TimelinePhaseKind>())
        {
            var ofKind = phases.Where(p => p.Kind == kind).ToList();
            if (ofKind.Count == 0)
            {
                continue;
            }
            double laneY = LaneTop + (int)kind * LaneHeight;
            string cls = s_kindClasses[(int)kind];
            foreach (var phase in ofKind)
            {
                double x0 = X(phase.StartMs);
                double w = Math.Max(X(phase.EndMs) - x0, 0);
                string title = Invariant($"<title>{Text(phase.Label)}: {phase.StartMs:0.0}–{phase.EndMs:0.0} ms</title>");
                svg.Append(w < 0.5
                    ? Invariant($"<path class=\"phase {cls}\" d=\"M{x0:0.#},{laneY + 2} l5,6 l-5,6 l-5,-6 z\">{title}</path>")
                    : Invariant($"<rect class=\"phase {cls}\" x=\"{x0:0.#}\" y=\"{laneY + 2}\" width=\"{Math.Max(w, 1.5):0.#}\" height=\"{LaneHeight - 4}\">{title}</rect>"));
                if (kind != TimelinePhaseKind.Transfer)
                {
                    svg.Append(Invariant($"<line class=\"guide {cls}\" x1=\"{x0:0.#}\" x2=\"{x0:0.#}\" y1=\"{PlotTop}\" y2=\"{LostTop + LostHeight}\"/>"));
                }
                if (kind == TimelinePhaseKind.Pause && w >= 0.5)
                {
                    svg.Append(Invariant($"<rect class=\"band {cls}\" x=\"{x0:0.#}\" y=\"{PlotTop}\" width=\"{w:0.#}\" height=\"{LostTop + LostHeight - PlotTop}\"/>"));
                }
            }
            // One label per lane, after its last phase (or before it when that runs off the right edge).
            string label = kind == TimelinePhaseKind.Transfer ? $"{ofKind.Count} round(s): {string.Join(", ", ofKind.Select(p => p.Label))}" : string.Join(", ", ofKind.Select(p => p.Label));
            double after = X(ofKind[^1].EndMs) + 8;
            bool fits = after + label.Length * CharWidth < Width - 2;
            svg.Append(Invariant($"<text class=\"phase-label {cls}\" x=\"{(fits ? after : X(ofKind[0].StartMs) - 8):0.#}\" y=\"{laneY + 11}\" text-anchor=\"{(fits ? "start" : "end")}\">{Text(label)}</text>"));
        }
        svg.Append("</g>\n");

        // Every probe: a dot when it arrived, a red tick in the bottom lane when it did not.
        svg.Append("<g class=\"probes received\">");
        foreach (var p in probes)
        {
            if (!p.Lost)
            {
                svg.Append(Invariant($"<circle cx=\"{X(p.SentMs):0.#}\" cy=\"{Y(p.DelayMs!.Value):0.#}\" r=\"1.6\"/>"));
            }
        }
        svg.Append("</g>\n");
        svg.Append(Invariant($"<text class=\"lane-name lost\" x=\"{Left - 6}\" y=\"{LostTop + 12}\" text-anchor=\"end\">lost ({lost})</text>"));
        svg.Append("<g class=\"probes lost\">");
        foreach (var p in probes)
        {
            if (p.Lost)
            {
                svg.Append(Invariant($"<line x1=\"{X(p.SentMs):0.#}\" x2=\"{X(p.SentMs):0.#}\" y1=\"{LostTop}\" y2=\"{LostTop + LostHeight}\"/>"));
            }
        }
        svg.Append("</g>\n</svg>");
        return svg.ToString();
    }

    // 1, 2 or 5 times a power of ten, at least raw.
    private static double NiceStep(double raw)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1e-6))));
        double m = raw / power;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
    }

    private static string Number(double v) => Math.Round(v, 3).ToString("0.###", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal static string Text(string text) => WebUtility.HtmlEncode(text);

    internal static string Attr(string text) => WebUtility.HtmlEncode(text);
}
