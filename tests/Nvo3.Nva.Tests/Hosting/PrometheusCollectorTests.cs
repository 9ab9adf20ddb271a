using System.Diagnostics.Metrics;
using System.Net;
using Nvo3.Hosting.Metrics;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Tests;

namespace Nvo3.Nva.Tests.Hosting;

/// <summary>
/// Our Prometheus exporter: the exact text it renders for each kind of instrument, its names and
/// escapes, what happens to a stopped meter's series, and the endpoint over real HTTP with an NVA.
/// </summary>
public sealed class PrometheusCollectorTests
{
    // Each test listens only to its own meter: other tests in this process create NVAs and NVEs.
    private readonly string _meterName = "Test.Metrics." + Guid.NewGuid().ToString("N");

    [Fact]
    public void Scrape_CounterGaugeAndObservable_RendersHelpTypeAndTotals()
    {
        using var collector = new PrometheusCollector(_meterName);
        using var meter = new Meter(_meterName);
        var moves = meter.CreateCounter<long>("nvo3.moves", "{move}", "Moves ended.");
        long packets = 7;
        meter.CreateObservableCounter("nvo3.nve.packets", () => new Measurement<long>(packets, new KeyValuePair<string, object?>("nve", "a")), "{packet}", "Packets.");
        meter.CreateObservableGauge("nvo3.nve.redirects", () => 2, null, "Redirects.");
        moves.Add(1, new KeyValuePair<string, object?>("mode", "hot"), new KeyValuePair<string, object?>("outcome", "completed"));
        moves.Add(2, new KeyValuePair<string, object?>("outcome", "completed"), new KeyValuePair<string, object?>("mode", "hot")); // tag order does not matter

        string first = collector.Scrape();
        packets = 9;
        string second = collector.Scrape();

        Assert.Equal("""
            # HELP nvo3_moves_total Moves ended.
            # TYPE nvo3_moves_total counter
            nvo3_moves_total{mode="hot",outcome="completed"} 3
            # HELP nvo3_nve_packets_total Packets.
            # TYPE nvo3_nve_packets_total counter
            nvo3_nve_packets_total{nve="a"} 7
            # HELP nvo3_nve_redirects Redirects.
            # TYPE nvo3_nve_redirects gauge
            nvo3_nve_redirects 2

            """.Replace("\r\n", "\n", StringComparison.Ordinal), first);
        Assert.Contains("nvo3_nve_packets_total{nve=\"a\"} 9\n", second, StringComparison.Ordinal); // read again, not added
        Assert.Contains("nvo3_moves_total{mode=\"hot\",outcome=\"completed\"} 3\n", second, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_Histogram_RendersCumulativeBucketsSumAndCount()
    {
        using var collector = new PrometheusCollector(_meterName);
        using var meter = new Meter(_meterName);
        var latency = meter.CreateHistogram("nvo3.nve.lookup.duration", "s", "Look-ups.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01] });
        var nve = new KeyValuePair<string, object?>("nve", "c");
        latency.Record(0.0005, nve);
        latency.Record(0.001, nve); // on a bound: counted in that bucket (le is "less or equal")
        latency.Record(0.005, nve);
        latency.Record(2, nve);

        string text = collector.Scrape();

        Assert.Equal("""
            # HELP nvo3_nve_lookup_duration_seconds Look-ups.
            # TYPE nvo3_nve_lookup_duration_seconds histogram
            nvo3_nve_lookup_duration_seconds_bucket{nve="c",le="0.001"} 2
            nvo3_nve_lookup_duration_seconds_bucket{nve="c",le="0.01"} 3
            nvo3_nve_lookup_duration_seconds_bucket{nve="c",le="+Inf"} 4
            nvo3_nve_lookup_duration_seconds_sum{nve="c"} 2.0065
            nvo3_nve_lookup_duration_seconds_count{nve="c"} 4

            """.Replace("\r\n", "\n", StringComparison.Ordinal), text);
        PrometheusScrape.Parse(text);
    }

    [Fact]
    public void Scrape_LabelAndHelpWithQuotesBackslashesAndNewlines_AreEscapedAndParseBack()
    {
        using var collector = new PrometheusCollector(_meterName);
        using var meter = new Meter(_meterName);
        string nasty = "a\"b\\c\nd";
        meter.CreateCounter<long>("odd-name.with/chars", "By", "Help with \\ and\nnewline.").Add(5, new KeyValuePair<string, object?>("the key", nasty));

        string text = collector.Scrape();
        var scrape = PrometheusScrape.Parse(text);

        Assert.Contains("# HELP odd_name_with_chars_bytes_total Help with \\\\ and\\nnewline.\n", text, StringComparison.Ordinal);
        var sample = Assert.Single(scrape.Samples);
        Assert.Equal("odd_name_with_chars_bytes_total", sample.Name);
        Assert.Equal(nasty, sample.Labels["the_key"]);
        Assert.Equal(5, sample.Value);
    }

    [Fact]
    public void Scrape_RandomLabelValues_ParseBackToTheSameValues()
    {
        using var collector = new PrometheusCollector(_meterName);
        using var meter = new Meter(_meterName);
        var counter = meter.CreateCounter<long>("nvo3.random");
        var random = new Random(1234);
        const string Alphabet = "ab\\\"\n{}=, é€\t#";
        var values = Enumerable.Range(0, 200).Select(i => i + ":" + new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]))
            .ToList();
        foreach (var value in values)
        {
            counter.Add(1, new KeyValuePair<string, object?>("v", value));
        }

        var scrape = PrometheusScrape.Parse(collector.Scrape());

        Assert.Equal(values.Order(StringComparer.Ordinal), scrape.Where("nvo3_random_total").Select(x => x.Labels["v"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Scrape_MeterDisposed_ItsSeriesLeaveAndAnotherOfTheSameNameStays()
    {
        using var collector = new PrometheusCollector(_meterName);
        using var a = new Meter(_meterName);
        var b = new Meter(_meterName);
        a.CreateObservableCounter("nvo3.nve.packets", () => new Measurement<long>(1, new KeyValuePair<string, object?>("nve", "a")));
        b.CreateObservableCounter("nvo3.nve.packets", () => new Measurement<long>(2, new KeyValuePair<string, object?>("nve", "b")));
        var both = PrometheusScrape.Parse(collector.Scrape());

        b.Dispose();
        using var again = new Meter(_meterName); // an NVE of the same name starts again (the demo's next lab)
        again.CreateObservableCounter("nvo3.nve.packets", () => new Measurement<long>(5, new KeyValuePair<string, object?>("nve", "b")));
        var after = PrometheusScrape.Parse(collector.Scrape()); // no series twice: Parse refuses duplicates

        Assert.Equal(2, both.Sum("nvo3_nve_packets_total", ("nve", "b")));
        Assert.Equal(5, after.Sum("nvo3_nve_packets_total", ("nve", "b")));
        Assert.Equal(1, after.Sum("nvo3_nve_packets_total", ("nve", "a")));
        Assert.Single(after.Types, t => t.Key == "nvo3_nve_packets_total");
    }

    [Theory]
    [InlineData("nvo3.nve.bytes", "By", true, "nvo3_nve_bytes_total")]
    [InlineData("nvo3.move.pause.duration", "s", false, "nvo3_move_pause_duration_seconds")]
    [InlineData("nvo3.x_seconds", "s", false, "nvo3_x_seconds")]
    [InlineData("nvo3.nva.watch.lag_revisions", "{revision}", false, "nvo3_nva_watch_lag_revisions")]
    [InlineData("9lives", null, true, "_9lives_total")]
    public void For_InstrumentName_FollowsPrometheusNaming(string name, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusNames.For(name, unit, counter));

    [Fact]
    public async Task Endpoint_WithAnNva_ServesItsMetricsOverHttpAndNothingElse()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var endpoint = await MetricsEndpoint.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), ct);
        await using var nva = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0", ReplicaName = "metrics-" + _meterName },
            cancellationToken: ct);
        await nva.Authority.CreateVirtualNetworkAsync(new VirtualNetwork(7, "", NetworkMode.L2, [Packets.IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.Zero), ct);
        await nva.Authority.LookupByMacAsync(7, Packets.MacAddress.Parse("02:00:00:00:00:07"), ct);
        using var http = new HttpClient();

        var replica = ("replica", "metrics-" + _meterName);

        // The watch publishes the network's revision on its own loop: scrape until it shows (bounded).
        PrometheusScrape scrape;
        string? contentType;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        using var every = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        do
        {
            using var response = await http.GetAsync(endpoint.Address, ct);
            contentType = response.Content.Headers.ContentType?.ToString();
            scrape = PrometheusScrape.Parse(await response.Content.ReadAsStringAsync(ct));
        }
        while (scrape.Sum("nvo3_nva_revision", replica) == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10) && await every.WaitForNextTickAsync(ct));
        using var other = await http.GetAsync(new Uri(endpoint.Address, "/"), ct);

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", contentType);
        Assert.True(scrape.Sum("nvo3_nva_revision", replica) > 0);
        Assert.Equal(1, scrape.Sum("nvo3_nva_lookup_duration_seconds_count", replica, ("by", "mac"), ("outcome", "not_found")));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Endpoint_PortTaken_ThrowsIOExceptionNamingTheAddress()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = (IPEndPoint)taken.LocalEndpoint;

        var ex = await Assert.ThrowsAsync<IOException>(() => MetricsEndpoint.StartAsync(address, TestContext.Current.CancellationToken));

        Assert.StartsWith($"The metrics endpoint cannot listen on {address}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:9470")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:70000")]
    public void ParseListen_NotHostPort_SaysWhatToWriteNamingTheOption(string listen)
    {
        var ex = Assert.Throws<ArgumentException>(() => MetricsEndpoint.ParseListen(listen));
        Assert.StartsWith("--metrics-listen: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9470", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", ex.Message, StringComparison.Ordinal);
    }
}
