using System.Diagnostics.Metrics;
using Nvo3.Nva.Watch;

namespace Nvo3.Nva.Hosting;

/// <summary>
/// One NVA's instruments on its own <see cref="Meter"/> named <see cref="MeterName"/>, every
/// measurement tagged <c>replica</c> = its name in the election: the directory's revision and the
/// watch's lag behind the store, watchers, leadership, conflicts, and each look-up's time (recorded
/// once per look-up). The rest is read when a listener collects. Disposing ends the instruments.
/// </summary>
internal sealed class NvaMetrics : IDisposable
{
    /// <summary>The name of every NVA's meter.</summary>
    public const string MeterName = "Nvo3.Nva";

    private readonly Meter _meter = new(MeterName);
    private readonly KeyValuePair<string, object?> _replica;
    private readonly Histogram<double> _lookupDuration;

    public NvaMetrics(string replica, NvaServer server)
    {
        _replica = new("replica", replica);
        var authority = server.Authority;
        var hub = server.Hub;
        Gauge("nvo3.nva.revision", () => hub.Revision, "{revision}", "The revision of the last change the NVA's watch published.");
        Gauge("nvo3.nva.watch.lag_revisions", () => Math.Max(0, authority.LastCommittedRevision - hub.Revision), "{revision}",
            "Revisions this NVA committed that its watch has not published yet.");
        Gauge("nvo3.nva.watchers", () => hub.SubscriberCount, "{watcher}", "Watch streams open (NVEs in push mode, nvo3 watch).");
        Gauge("nvo3.nva.leader", () => server.IsLeader ? 1 : 0, null, "1 while this replica leads (runs the housekeeping).");
        Counter("nvo3.nva.conflicts", () => authority.Conflicts, "{transaction}", "Transactions that lost a compare-and-swap and were decided again.");
        Counter("nvo3.nva.failovers", () => server.Failovers, "{failover}", "Standbys this NVA activated as leader.");
        Counter("nvo3.nva.settled_migrations", () => server.SettledMigrations, "{migration}", "Migrations this NVA settled as leader (timed out in a phase).");
        _lookupDuration = _meter.CreateHistogram("nvo3.nva.lookup.duration", "s", "How long the NVA took to answer a look-up, by key (mac, ip) and outcome (found, not_found, failed).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
    }

    /// <summary>Records one look-up's time.</summary>
    public void RecordLookup(TimeSpan elapsed, string by, string outcome) =>
        _lookupDuration.Record(elapsed.TotalSeconds, _replica, new KeyValuePair<string, object?>("by", by), new KeyValuePair<string, object?>("outcome", outcome));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private void Gauge(string name, Func<long> read, string? unit, string description) =>
        _meter.CreateObservableGauge(name, () => new Measurement<long>(read(), _replica), unit, description);

    private void Counter(string name, Func<long> read, string unit, string description) =>
        _meter.CreateObservableCounter(name, () => new Measurement<long>(read(), _replica), unit, description);
}
