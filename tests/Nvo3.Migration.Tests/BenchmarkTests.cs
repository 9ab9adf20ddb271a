namespace Nvo3.Migration.Tests;

[Collection(LoopbackCollection.Name)]
public class BenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_SmallSweep_OneVerifiedRowPerRate()
    {
        var rows = await MigrationBenchmark.RunAsync(new MigrationBenchmarkSettings
        {
            MemoryBytes = 16L << 20,
            DirtyRates = [0, 20e6],
            BandwidthCap = 200e6,
            Warmup = TimeSpan.FromMilliseconds(50),
        });
        output.WriteLine(MigrationBenchmark.FormatTable(rows));
        Assert.Equal([0, 20e6], rows.Select(r => r.DirtyRate));
        Assert.All(rows, r => Assert.True(r.StateVerified));
        Assert.All(rows, r => Assert.True(r.SentRatio >= 1));
        // With nothing dirtied, round 0 is all there is to send.
        Assert.Equal(1, rows[0].Rounds);
        Assert.InRange(rows[0].SentRatio, 1, 1.01);
    }

    [Fact]
    public async Task RunAsync_CompareTls_EachRateOverPlainTextThenTls()
    {
        var rows = await MigrationBenchmark.RunAsync(new MigrationBenchmarkSettings
        {
            MemoryBytes = 16L << 20,
            DirtyRates = [0, 20e6],
            BandwidthCap = 0,
            Warmup = TimeSpan.FromMilliseconds(50),
            CompareTls = true,
        });
        output.WriteLine(MigrationBenchmark.FormatTable(rows));

        Assert.Equal([(0.0, false), (0.0, true), (20e6, false), (20e6, true)], rows.Select(r => (r.DirtyRate, r.Tls)));
        Assert.All(rows, r => Assert.True(r.StateVerified));
        Assert.All(rows, r => Assert.True(r.BandwidthMBps > 0));
    }

    /// <summary>
    /// The figures of docs/migration.md: 256 MiB at 1 Gbit/s, dirty rates 0 to 200 MB/s, without
    /// and with auto-converge. About two minutes; run with
    /// <c>dotnet test tests/Nvo3.Migration.Tests --filter Category=Benchmark -- xUnit.Explicit=only</c>.
    /// </summary>
    [Fact(Explicit = true)]
    [Trait("Category", "Benchmark")]
    public async Task RunAsync_DocumentedSweep_PrintsTheTables()
    {
        foreach (bool autoConverge in new[] { false, true })
        {
            var rows = await MigrationBenchmark.RunAsync(new MigrationBenchmarkSettings { AutoConverge = autoConverge },
                new InlineProgress<MigrationBenchmarkRow>(r => Console.Error.WriteLine(r)));
            output.WriteLine($"auto-converge {(autoConverge ? "on" : "off")}");
            output.WriteLine(MigrationBenchmark.FormatTable(rows));
            Assert.All(rows, r => Assert.True(r.StateVerified));
        }
    }
}
