using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Nvo3.Hosting.Metrics;

/// <summary>
/// Listens to every <see cref="Meter"/> whose name starts with one of its prefixes (by default
/// <c>Nvo3.</c>: Nvo3.Nve, Nvo3.Nva, Nvo3.Mobility, Nvo3.Migration) and renders what they measured
/// in the Prometheus text format. Observable instruments are read at each <see cref="Scrape"/>;
/// an instrument whose meter is disposed (an NVE or NVA that stopped) leaves the exposition.
/// Several instruments of one name (one meter per NVE) make one metric, told apart by their tags.
/// </summary>
public sealed class PrometheusCollector : IDisposable
{
    /// <summary>Histogram bounds for an instrument that gives none (<see cref="InstrumentAdvice{T}"/>), in its unit.</summary>
    public static IReadOnlyList<double> DefaultBuckets { get; } = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, MetricSeries> _series = new();
    private readonly Lock _scrape = new();
    private readonly string[] _prefixes;

    /// <summary>Starts listening to the meters named with one of <paramref name="meterPrefixes"/> (default <c>Nvo3.</c>).</summary>
    public PrometheusCollector(params string[] meterPrefixes)
    {
        _prefixes = meterPrefixes.Length == 0 ? ["Nvo3."] : meterPrefixes;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_prefixes.Any(p => instrument.Meter.Name.StartsWith(p, StringComparison.Ordinal)))
            {
                var series = new MetricSeries(instrument, BucketsOf(instrument));
                _series[instrument] = series;
                listener.EnableMeasurementEvents(instrument, series);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _series.TryRemove(instrument, out MetricSeries? _);
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((MetricSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((MetricSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((MetricSeries)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and renders everything, metrics sorted by name.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var metric in _series.Values.GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var first = metric.First();
                var points = metric.Where(s => s.Type == first.Type).SelectMany(s => s.Points()).OrderBy(p => p.Labels, StringComparer.Ordinal);
                PrometheusText.Write(text, metric.Key, first.Type, first.Instrument.Description, first.Buckets, points);
            }
            return text.ToString();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private static IReadOnlyList<double> BucketsOf(Instrument instrument) =>
        instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } bounds } ? bounds
        : instrument is Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } longBounds } ? [.. longBounds.Select(b => (double)b)]
        : DefaultBuckets;
}
