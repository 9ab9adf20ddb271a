using System.Text.RegularExpressions;
using System.Xml.Linq;
using Nvo3.Lab.Reports;

namespace Nvo3.Lab.Tests.Reports;

/// <summary>The HTML report's renderer on a made-up move: what it draws, counted in its SVG.</summary>
public sealed partial class MoveReportHtmlTests
{
    private static MoveTimeline Sample(string title) => new()
    {
        Title = title,
        Description = "made up",
        Passed = false,
        // 100 probes a millisecond apart; 40 to 49 lost (the pause), the 5 before held until 50.
        Probes = [.. Enumerable.Range(0, 100).Select(i => new TimelineProbe(i, i, i is >= 40 and < 50 ? null : i is >= 35 and < 40 ? 50.5 : i + 0.2))],
        Phases =
        [
            new(TimelinePhaseKind.Transfer, "round 0", 10, 30),
            new(TimelinePhaseKind.Transfer, "round 1", 30, 35),
            new(TimelinePhaseKind.Pause, "pause 15.0 ms", 35, 50),
            new(TimelinePhaseKind.Activation, "activation", 50, 50),
            new(TimelinePhaseKind.Convergence, "convergence 4.0 ms", 50, 54),
        ],
        Figures = [new("SCENARIO", title), new("LOST", "10")],
        Notes = "notes & more",
    };

    [Fact]
    public void Render_OneMove_OneMarkPerProbeAndEveryPhaseLabelled()
    {
        string svg = MoveTimelineSvg.Render(Sample("m1"));

        var root = XElement.Parse(svg); // well-formed XML, as SVG inline in HTML must be
        XNamespace ns = "http://www.w3.org/2000/svg";
        var groups = root.Elements(ns + "g").ToList();
        Assert.Equal(90, groups.Single(g => (string?)g.Attribute("class") == "probes received").Elements(ns + "circle").Count());
        Assert.Equal(10, groups.Single(g => (string?)g.Attribute("class") == "probes lost").Elements(ns + "line").Count());
        Assert.Equal("100", (string?)root.Attribute("data-probes"));
        Assert.Equal("10", (string?)root.Attribute("data-lost"));
        var labels = root.Descendants(ns + "text").Where(t => ((string?)t.Attribute("class") ?? "").StartsWith("phase-label", StringComparison.Ordinal)).Select(t => t.Value).ToList();
        Assert.Equal(["2 round(s): round 0, round 1", "pause 15.0 ms", "activation", "convergence 4.0 ms"], labels);
    }

    [Fact]
    public void Render_HeldProbes_DrawnHigherThanTheOthers()
    {
        var root = XElement.Parse(MoveTimelineSvg.Render(Sample("m1")));
        var ys = root.Descendants().Where(e => e.Name.LocalName == "circle").Select(c => double.Parse((string)c.Attribute("cy")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();

        // SVG y grows downwards: the five held probes (delays 10.5 to 15.5 ms) are the five smallest y.
        Assert.Equal(5, ys.Count(y => y < ys.Max() - 50));
    }

    [Fact]
    public void Render_Page_SelfContainedAndEscaped()
    {
        string html = MoveReportHtml.Render("demo <1>", "meta", [Sample("a<b>"), Sample("c")]);

        Assert.Equal(2, SvgOpen().Matches(html).Count);
        Assert.Contains("<h2>a&lt;b&gt;<span class=\"verdict failed\">failed</span></h2>", html, StringComparison.Ordinal);
        Assert.Contains("notes &amp; more", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html); // nothing fetched from anywhere
        Assert.Contains("<th>SCENARIO</th><th>LOST</th>", html, StringComparison.Ordinal);
        Assert.Contains("<td>c</td><td>10</td>", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("<svg ")]
    private static partial Regex SvgOpen();
}
