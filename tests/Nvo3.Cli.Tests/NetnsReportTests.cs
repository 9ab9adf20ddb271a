using System.Text.Json;
using Nvo3.Cli.Tests.Chromium;
using Nvo3.IntegrationTests;
using Nvo3.Lab.Netns;

namespace Nvo3.Cli.Tests;

/// <summary>
/// <c>nvo3 lab netns migrate --report</c> on a real netns lab (made and removed by the test with
/// <c>nvo3 lab netns up|down</c>), opened in headless Chromium: one plot with every probe the move
/// measured, as many dots and red ticks as its JSON says arrived and were lost, and the move's phases.
/// </summary>
public sealed class NetnsReportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task NetnsMigrateReport_InHeadlessChromium_DrawsOnePlotWithTheProbesAndPhases()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root: the netns lab makes namespaces, TAP, veth and bridge devices (CI runs as root).");
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/dev/net/tun"), "needs Linux with /dev/net/tun (the tun module).");
        Assert.SkipUnless(HostCommand.TryRun("ip", "-V").Ok, "needs iproute2 (ip): ./test.sh installs it.");
        Assert.SkipWhen(HeadlessChromium.Unavailable is not null, HeadlessChromium.Unavailable ?? "");
        using var folder = new TempFolder();
        string prefix = $"n3r{Random.Shared.Next(0x10000):x4}";
        string state = folder.File("lab");
        string html = folder.File("move.html");
        string[] lab = ["--prefix", prefix, "--state-dir", state];
        try
        {
            using (var up = await Nvo3Process.RunAsync(Timeout, ["lab", "netns", "up", "--hosts", "3", "--vms", "2", .. lab]))
            {
                Assert.True(up.ExitCode == 0, up.Describe());
            }
            // vm2 (at h2) moves to h3 while vm1 (at h1) probes it.
            using var migrate = await Nvo3Process.RunAsync(Timeout, ["lab", "netns", "migrate", "vm2", "--to", "h3", "--report", html, "--json", .. lab]);
            Assert.True(migrate.ExitCode == 0, migrate.Describe());
            using var result = JsonDocument.Parse(string.Join('\n', migrate.Stdout));
            var probe = result.RootElement.GetProperty("probe");
            Assert.Equal("h3", result.RootElement.GetProperty("to").GetString());
            Assert.Equal("vm1", probe.GetProperty("from").GetString());
            Assert.True(probe.GetProperty("sent").GetInt64() > 500, probe.ToString()); // 300 ms before, the move, 500 ms after, one per ms

            await using var chromium = await HeadlessChromium.StartAsync(TimeSpan.FromSeconds(60));
            string url = new Uri(html).AbsoluteUri;
            await chromium.NavigateAsync(url, TimeSpan.FromSeconds(60));
            string drawn = (await chromium.EvaluateAsync(ReportTests.Measure)).GetString()!;
            var move = Assert.Single(JsonDocument.Parse(drawn).RootElement.EnumerateArray().ToList());

            Assert.Equal("vm2 h2 → h3", move.GetProperty("move").GetString());
            Assert.Equal(1, move.GetProperty("plots").GetInt32());
            Assert.Equal(probe.GetProperty("sent").GetInt64(), move.GetProperty("probes").GetInt64());
            Assert.Equal(probe.GetProperty("received").GetInt64(), move.GetProperty("dots").GetInt64());
            Assert.Equal(probe.GetProperty("lost").GetInt64(), move.GetProperty("lost").GetInt64());
            Assert.Equal(move.GetProperty("dots").GetInt64(), move.GetProperty("dotsInside").GetInt64());
            Assert.Equal(move.GetProperty("lost").GetInt64(), move.GetProperty("lostRed").GetInt64());
            Assert.True(move.GetProperty("dots").GetInt64() > 0, drawn);
            var labels = move.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToList();
            Assert.Contains(labels, l => l.StartsWith("pause ", StringComparison.Ordinal));
            Assert.Contains("activation", labels);
            Assert.Equal("vm2 h2 → h3", move.GetProperty("rowCells")[0].GetString());
            Assert.True(move.GetProperty("width").GetDouble() > 500 && move.GetProperty("height").GetDouble() > 200, drawn);
            Assert.Equal([url], chromium.RequestedUrls.Distinct()); // self-contained
        }
        finally
        {
            using var down = await Nvo3Process.RunAsync(Timeout, ["lab", "netns", "down", .. lab]);
            NetnsLab.Down(prefix, state); // whatever a failed down left
        }
        Assert.DoesNotContain(HostCommand.Namespaces(), n => n.StartsWith(prefix + "-", StringComparison.Ordinal));
    }
}
