using System.Diagnostics;
using System.Text.RegularExpressions;
using Nvo3.IntegrationTests;
using Nvo3.Tests;

namespace Nvo3.Cli.Tests;

/// <summary>
/// <c>--metrics-listen</c> on the real <c>nvo3</c> run as a child process: the demo's lab scraped
/// over HTTP while its moves happen, every scrape parsed as Prometheus text; the Grafana dashboard
/// reads only names the scrapes served; a bad address is bad input.
/// </summary>
public sealed partial class MetricsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Demo_MetricsListen_ScrapesShowMovesDropsAndInflightForwardsAsTheyHappen()
    {
        // A cold move drops what is sent to the stopped VM; the hot one forwards packets in flight.
        using var demo = Nvo3Process.Start("demo", "--scenario", "l2-ipv4-cold", "--scenario", "l2-ipv4-hot", "--metrics-listen", "127.0.0.1:0");
        var url = await MetricsUrlAsync(demo, () => demo.Stderr);
        var scrapes = new List<PrometheusScrape>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var deadline = Stopwatch.StartNew();
        while (!demo.HasExited && deadline.Elapsed < Timeout)
        {
            string text;
            try
            {
                text = await http.GetStringAsync(url, TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException)
            {
                // The endpoint closes as the demo ends: then it must end (else the test fails here).
                await demo.WaitForExitAsync(TimeSpan.FromSeconds(30));
                break;
            }
            scrapes.Add(PrometheusScrape.Parse(text)); // every scrape parses, strictly, or the test fails here
            await every.WaitForNextTickAsync(TestContext.Current.CancellationToken);
        }
        await demo.WaitForExitAsync(Timeout);
        Assert.True(demo.ExitCode == 0, demo.Describe());
        Assert.True(scrapes.Count >= 5, $"only {scrapes.Count} scrape(s) while the demo ran");

        // The moves: the warm-up's, the cold one and the hot one, counted as they ended.
        var first = scrapes[0];
        var last = scrapes[^1];
        Assert.True(first.Sum("nvo3_moves_total") < last.Sum("nvo3_moves_total"), $"moves {first.Sum("nvo3_moves_total")} → {last.Sum("nvo3_moves_total")}");
        Assert.Equal(1, last.Sum("nvo3_moves_total", ("mode", "cold"), ("outcome", "completed")));
        Assert.Equal(2, last.Sum("nvo3_moves_total", ("mode", "hot"), ("outcome", "completed")));
        Assert.Equal(3, last.Sum("nvo3_move_downtime_duration_seconds_count"));
        Assert.True(last.Sum("nvo3_migration_bytes_total") > 0);

        // The NVEs' counters moved while the labs ran: a series that grew from one scrape to a later one.
        Assert.True(Rose(scrapes, "nvo3_nve_forwarded_in_flight_total", out var inflight), "no in-flight forward was seen to happen");
        Assert.True(Rose(scrapes, "nvo3_nve_drops_total", out var drops), "no drop was seen to happen");
        Assert.True(Rose(scrapes, "nvo3_nve_packets_total", out _), "no packet was seen to pass");
        Assert.Contains("nve=\"a\"", inflight, StringComparison.Ordinal); // the old NVE forwards
        Assert.Contains("reason=\"not_here\"", drops, StringComparison.Ordinal); // what reached the stopped VM's old NVE
        Assert.Contains(scrapes, s => s.Where("nvo3_nva_revision").Any(x => x.Value > 0));
        Assert.Contains(scrapes, s => s.Where("nvo3_nve_lookup_duration_seconds_count").Any(x => x.Value > 0));

        // The dashboard reads only what was served.
        var served = scrapes.SelectMany(s => s.Names).ToHashSet();
        string dashboard = await File.ReadAllTextAsync(Path.Combine(PublishedNvo3.Repository, "deploy", "grafana-nvo3.json"), TestContext.Current.CancellationToken);
        var queried = MetricName().Matches(dashboard).Select(m => m.Value).ToHashSet();
        Assert.True(queried.Count >= 10, $"the dashboard queries only {queried.Count} metrics");
        var missing = queried.Except(served).ToList();
        Assert.True(missing.Count == 0, "the dashboard queries metrics no scrape served: " + string.Join(", ", missing));
    }

    [Theory]
    [InlineData("nva", "serve", "--store", "memory", "--metrics-listen", "localhost")]
    [InlineData("nve", "run", "--name", "x", "--underlay", "127.0.0.1", "--metrics-listen", "127.0.0.1")]
    [InlineData("demo", "--metrics-listen", "127.0.0.1:99999")]
    public async Task MetricsListen_NotHostPort_ExitsTwoWithOneLine(params string[] args)
    {
        using var run = await Nvo3Process.RunAsync(Timeout, args);

        Assert.True(run.ExitCode == 2, run.Describe());
        string error = run.Stderr.TrimEnd();
        Assert.DoesNotContain('\n', error);
        Assert.Contains("--metrics-listen", error, StringComparison.Ordinal);
        Assert.Contains("is not HOST:PORT", error, StringComparison.Ordinal);
    }

    /// <summary>The URL from the "metrics at URL" line the command prints once it serves.</summary>
    internal static async Task<Uri> MetricsUrlAsync(Nvo3Process process, Func<string> output)
    {
        var deadline = Stopwatch.StartNew();
        using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (MetricsLine().Match(output()) is { Success: true } match)
            {
                return new Uri(match.Groups[1].Value);
            }
            Assert.False(process.HasExited, $"it ended before serving metrics: {process.Describe()}");
            await every.WaitForNextTickAsync(TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"no \"metrics at\" line within 60 s: {process.Describe()}");
    }

    // A series whose value was higher in a later scrape than in an earlier one; says which.
    private static bool Rose(List<PrometheusScrape> scrapes, string name, out string series)
    {
        var lowest = new Dictionary<string, double>();
        foreach (var scrape in scrapes)
        {
            foreach (var sample in scrape.Where(name))
            {
                if (lowest.TryGetValue(sample.Key, out double low) && sample.Value > low)
                {
                    series = sample.Key;
                    return true;
                }
                lowest[sample.Key] = lowest.TryGetValue(sample.Key, out low) ? Math.Min(low, sample.Value) : sample.Value;
            }
        }
        series = "";
        return false;
    }

    [GeneratedRegex(@"metrics at (http://\S+/metrics)")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"nvo3_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
