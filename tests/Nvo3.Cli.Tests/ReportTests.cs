using System.Text.Json;
using Nvo3.Cli.Tests.Chromium;
using Nvo3.IntegrationTests;

namespace Nvo3.Cli.Tests;

/// <summary>
/// <c>nvo3 demo --report</c> opened in headless Chromium: what the browser draws, counted from the
/// page (one plot per scenario, one mark per probe, the lost ones red, the phases labelled), checked
/// against the JSON report of the same run; and that the page asks for nothing but itself.
/// </summary>
public sealed class ReportTests
{
    internal const string Measure = """
        JSON.stringify([...document.querySelectorAll('section.move')].map(section => {
          const svg = section.querySelector('svg.timeline');
          const box = svg.getBoundingClientRect();
          const dots = [...svg.querySelectorAll('g.received circle')];
          const lost = [...svg.querySelectorAll('g.lost line')];
          return {
            move: section.dataset.move,
            plots: section.querySelectorAll('svg.timeline').length,
            probes: +svg.dataset.probes,
            dots: dots.length,
            dotsInside: dots.filter(d => { const b = d.getBoundingClientRect(); return b.width > 0 && b.left >= box.left && b.right <= box.right && b.top >= box.top && b.bottom <= box.bottom; }).length,
            lost: lost.length,
            lostRed: lost.filter(l => getComputedStyle(l).stroke === 'rgb(214, 39, 40)').length,
            labels: [...svg.querySelectorAll('text.phase-label')].map(t => t.textContent),
            rowCells: [...section.querySelectorAll('table.row td')].map(td => td.textContent),
            width: box.width, height: box.height,
          };
        }))
        """;

    [Fact]
    public async Task DemoReport_InHeadlessChromium_DrawsEveryProbeAndThePhases()
    {
        Assert.SkipWhen(HeadlessChromium.Unavailable is not null, HeadlessChromium.Unavailable ?? "");
        using var folder = new TempFolder();
        string html = folder.File("report.html");
        string json = folder.File("report.json");

        using var demo = await Nvo3Process.RunAsync(TimeSpan.FromMinutes(3), "demo", "--scenario", "l2-ipv4-hot", "--scenario", "l2-ipv4-cold", "--report", html, "--json", json);
        Assert.True(demo.ExitCode == 0, demo.Describe());
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
        var scenarios = report.RootElement.GetProperty("scenarios").EnumerateArray().ToList();

        await using var chromium = await HeadlessChromium.StartAsync(TimeSpan.FromSeconds(60));
        string url = new Uri(html).AbsoluteUri;
        await chromium.NavigateAsync(url, TimeSpan.FromSeconds(60));
        var drawn = (await chromium.EvaluateAsync(Measure)).GetString()!;
        var moves = JsonDocument.Parse(drawn).RootElement.EnumerateArray().ToList();

        Assert.Equal(["l2-ipv4-hot", "l2-ipv4-cold"], moves.Select(m => m.GetProperty("move").GetString()));
        foreach (var (move, scenario) in moves.Zip(scenarios))
        {
            var probe = scenario.GetProperty("probe");
            string name = scenario.GetProperty("name").GetString()!;
            Assert.Equal(1, move.GetProperty("plots").GetInt32());
            Assert.Equal(probe.GetProperty("sent").GetInt64(), move.GetProperty("probes").GetInt64());
            Assert.Equal(probe.GetProperty("received").GetInt64(), move.GetProperty("dots").GetInt64());
            Assert.Equal(probe.GetProperty("lost").GetInt64(), move.GetProperty("lost").GetInt64());
            Assert.Equal(move.GetProperty("dots").GetInt64() + move.GetProperty("lost").GetInt64(), probe.GetProperty("sent").GetInt64());
            Assert.Equal(move.GetProperty("dots").GetInt64(), move.GetProperty("dotsInside").GetInt64()); // every dot drawn inside its plot
            Assert.Equal(move.GetProperty("lost").GetInt64(), move.GetProperty("lostRed").GetInt64()); // every lost probe drawn red
            var labels = move.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToList();
            Assert.Contains(labels, l => l.StartsWith("pause ", StringComparison.Ordinal));
            Assert.Contains("activation", labels);
            Assert.Contains(labels, l => l.StartsWith("convergence ", StringComparison.Ordinal));
            Assert.Equal(name, move.GetProperty("rowCells")[0].GetString());
            Assert.True(move.GetProperty("width").GetDouble() > 500 && move.GetProperty("height").GetDouble() > 200, drawn);
        }
        Assert.Contains(moves[0].GetProperty("labels").EnumerateArray(), l => l.GetString()!.Contains("round 0", StringComparison.Ordinal)); // the hot move's pre-copy
        Assert.True(moves[1].GetProperty("lost").GetInt64() > 0, "the cold move loses the probes sent while it is stopped");
        Assert.Equal([url], chromium.RequestedUrls.Distinct()); // self-contained: nothing else was fetched

        byte[] png = await chromium.ScreenshotAsync(1040, 1400);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
        // NVO3_REPORT_SCREENSHOT=docs/images/demo-report.png keeps it for the docs.
        if (Environment.GetEnvironmentVariable("NVO3_REPORT_SCREENSHOT") is { Length: > 0 } keep)
        {
            await File.WriteAllBytesAsync(keep, png, TestContext.Current.CancellationToken);
        }
    }
}
