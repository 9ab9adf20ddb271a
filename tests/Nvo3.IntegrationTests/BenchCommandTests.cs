using System.Text.Json;

namespace Nvo3.IntegrationTests;

/// <summary>
/// <c>nvo3 bench nva</c> with tiny counts, so that the command cannot break silently. These check
/// that it runs and reports every figure, not how fast anything is: speed is for the bench itself.
/// </summary>
public sealed class BenchCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly string[] TinyCounts = ["--moves", "20", "--lookups", "40", "--subscribers", "2,3", "--fanout-moves", "2", "--concurrency", "2"];

    [Fact]
    public async Task BenchNva_MemoryWithTinyCounts_PrintsTheTableAndWritesEveryFigure()
    {
        using var folder = new TempFolder();
        string report = folder.File("nva.json");

        using var bench = await Nvo3Process.RunAsync(Timeout, ["bench", "nva", "--store", "memory", .. TinyCounts, "--json", report]);

        Assert.True(bench.ExitCode == 0, bench.Describe());
        Assert.StartsWith("STORE", bench.Stdout[0], StringComparison.Ordinal);
        Assert.Contains("FAN-OUT 3 p50/p99 ms", bench.Stdout[0], StringComparison.Ordinal);
        Assert.Contains(bench.Stdout, line => line.StartsWith("memory ", StringComparison.Ordinal));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken));
        var root = json.RootElement;
        Assert.Equal("nva", root.GetProperty("bench").GetString());
        Assert.True(root.GetProperty("machine").GetProperty("processors").GetInt32() > 0);
        Assert.Equal(20, root.GetProperty("settings").GetProperty("moves").GetInt32());
        var backend = Assert.Single(root.GetProperty("backends").EnumerateArray());
        Assert.Equal("memory", backend.GetProperty("store").GetString());
        Assert.Equal(20, backend.GetProperty("moves").GetInt32());
        Assert.True(backend.GetProperty("movesPerSecond").GetDouble() > 0);
        Assert.Equal(40, backend.GetProperty("lookups").GetInt32());
        Assert.True(backend.GetProperty("lookupsPerSecond").GetDouble() > 0);
        foreach (string latency in (string[])["moveLatency", "lookupLatency"])
        {
            var l = backend.GetProperty(latency);
            Assert.True(l.GetProperty("p50Ms").GetDouble() > 0, latency);
            Assert.True(l.GetProperty("p99Ms").GetDouble() >= l.GetProperty("p50Ms").GetDouble(), latency);
            Assert.True(l.GetProperty("maxMs").GetDouble() >= l.GetProperty("p99Ms").GetDouble(), latency);
        }
        var fanout = backend.GetProperty("fanout").EnumerateArray().ToList();
        Assert.Equal([2, 3], fanout.Select(f => f.GetProperty("subscribers").GetInt32()));
        foreach (var f in fanout)
        {
            Assert.Equal(1, f.GetProperty("connections").GetInt32());
            Assert.Equal(2, f.GetProperty("moves").GetInt32());
            Assert.True(f.GetProperty("p50Ms").GetDouble() > 0);
            Assert.True(f.GetProperty("p99Ms").GetDouble() >= f.GetProperty("p50Ms").GetDouble());
            Assert.True(f.GetProperty("lastSubscriberP50Ms").GetDouble() >= f.GetProperty("p50Ms").GetDouble());
        }
    }

    [Fact]
    public async Task BenchNva_ScaleModeTiny_PrintsTheTableAgainstTheTargetsAndNoForeignDelivery()
    {
        using var folder = new TempFolder();
        string report = folder.File("scale.json");

        using var bench = await Nvo3Process.RunAsync(Timeout, ["bench", "nva", "--store", "sqlite", "--nves", "6", "--vms", "60", "--network-size", "3",
            "--moves", "30", "--lookups", "60", "--fanout-moves", "4", "--concurrency", "4", "--json", report]);

        Assert.True(bench.ExitCode == 0, bench.Describe());
        Assert.StartsWith("STORE", bench.Stdout[0], StringComparison.Ordinal);
        Assert.Contains(bench.Stdout, line => line.StartsWith("sqlite ", StringComparison.Ordinal));
        Assert.Contains(bench.Stdout, line => line.StartsWith("target ", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken));
        var backend = Assert.Single(json.RootElement.GetProperty("backends").EnumerateArray());
        Assert.Equal((6, 60, 2), (backend.GetProperty("nves").GetInt32(), backend.GetProperty("vms").GetInt32(), backend.GetProperty("networks").GetInt32()));
        Assert.Equal(0, backend.GetProperty("foreignDeliveries").GetInt32());
        Assert.Equal(4 * 3, backend.GetProperty("delivery").GetProperty("count").GetInt32()); // each move reached the 3 NVEs of its network
        Assert.True(backend.GetProperty("lookupsPerSecond").GetDouble() > 0);
    }

    [Fact]
    public async Task BenchNva_AllStoresWithTinyCounts_MeasuresEachAndLeavesNothingBehind()
    {
        using var temp = new TempFolder();
        string report = temp.File("nva.json");
        var environment = new Dictionary<string, string> { ["TMPDIR"] = temp.Path }; // where the bench puts its SQLite file and etcd

        using var bench = await Nvo3Process.RunAsync(Timeout, environment, ["bench", "nva", "--store", "all", .. TinyCounts, "--json", report]);

        Assert.True(bench.ExitCode == 0, bench.Describe());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken));
        var measured = json.RootElement.GetProperty("backends").EnumerateArray().Select(b => b.GetProperty("store").GetString()).ToList();
        var skipped = json.RootElement.GetProperty("skipped").EnumerateArray().Select(b => b.GetProperty("store").GetString()).ToList();
        Assert.Equal(["memory", "sqlite"], measured.Take(2));
        Assert.Equal(File.Exists("/usr/bin/etcd") ? ["etcd"] : [], measured.Skip(2));
        Assert.Equal(File.Exists("/usr/bin/etcd") ? [] : ["etcd"], skipped);
        // The SQLite folder and etcd's data folder are gone, and no process still uses them.
        Assert.Equal([report], Directory.EnumerateFileSystemEntries(temp.Path));
        Assert.Empty(ProcessesMentioning(temp.Path));
    }

    // The ids of running processes whose command line mentions `text`.
    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            string pid = Path.GetFileName(dir);
            if (!pid.All(char.IsAsciiDigit))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // It ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's process.
            }
        }
        return found;
    }
}
