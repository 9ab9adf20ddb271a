using System.Diagnostics.Metrics;

namespace Nvo3.Hosting.Metrics;

/// <summary>
/// What one instrument measured, by tag set: a running sum (counters), the last value (gauges and
/// observable instruments, which report their whole value at each collection), or a histogram's
/// bucket counts, sum and count. Each tag set is guarded by its own lock; measurements arrive once
/// per look-up, per move or per collection, never per packet.
/// </summary>
internal sealed class MetricSeries
{
    private readonly Dictionary<string, Point> _points = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public MetricSeries(Instrument instrument, IReadOnlyList<double> buckets)
    {
        Instrument = instrument;
        Name = PrometheusNames.For(instrument);
        Type = PrometheusNames.TypeOf(instrument);
        Buckets = buckets;
        Cumulative = instrument is Counter<long> or Counter<int> or Counter<double> or UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double>;
    }

    /// <summary>The instrument.</summary>
    public Instrument Instrument { get; }

    /// <summary>Its name in the exposition.</summary>
    public string Name { get; }

    /// <summary>counter, gauge or histogram.</summary>
    public string Type { get; }

    /// <summary>A histogram's upper bounds (+Inf implied).</summary>
    public IReadOnlyList<double> Buckets { get; }

    // Push counters add what each measurement says; everything else reports its whole value.
    private bool Cumulative { get; }

    /// <summary>Takes one measurement.</summary>
    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string labels = PrometheusText.Labels(tags);
        lock (_gate)
        {
            if (!_points.TryGetValue(labels, out var point))
            {
                point = new Point(Type == "histogram" ? new long[Buckets.Count + 1] : null);
                _points.Add(labels, point);
            }
            if (point.BucketCounts is { } counts)
            {
                int i = 0;
                while (i < Buckets.Count && value > Buckets[i])
                {
                    i++;
                }
                counts[i]++;
                point.Count++;
                point.Sum += value;
            }
            else
            {
                point.Value = Cumulative ? point.Value + value : value;
            }
        }
    }

    /// <summary>A copy of every tag set's point, sorted by labels.</summary>
    public IReadOnlyList<(string Labels, Point Point)> Points()
    {
        lock (_gate)
        {
            return [.. _points.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value.Copy()))];
        }
    }

    /// <summary>One tag set's value (counters and gauges) or histogram.</summary>
    internal sealed class Point(long[]? bucketCounts)
    {
        public double Value { get; set; }

        /// <summary>Per bucket (not cumulative), the last one above every bound; null for counters and gauges.</summary>
        public long[]? BucketCounts { get; } = bucketCounts;

        public long Count { get; set; }

        public double Sum { get; set; }

        public Point Copy() => new(BucketCounts is null ? null : [.. BucketCounts]) { Value = Value, Count = Count, Sum = Sum };
    }
}
