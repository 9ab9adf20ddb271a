namespace Nvo3.Migration.Transfer;

/// <summary>
/// Measures a sender's rate continuously: bytes over a sliding window (1 s by default) of its
/// most recent sends, divided by the time from the oldest to the newest of them. A send recorded
/// at t went out in the time before t, so the oldest sample only marks the start; idle time
/// after the newest does not count. The figure is what the link carries while busy, which is
/// what the switchover rule needs. Thread-safe.
/// </summary>
public sealed class BandwidthMeter
{
    private readonly TimeProvider _time;
    private readonly long _window;
    private readonly Queue<(long At, long Bytes)> _samples = new();
    private readonly Lock _lock = new();
    private long _windowBytes;
    private long _total;
    private long _lastAt;

    /// <summary>A meter with a window of <paramref name="window"/> (default 1 s).</summary>
    public BandwidthMeter(TimeProvider? timeProvider = null, TimeSpan? window = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        var span = window ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(span, TimeSpan.Zero, nameof(window));
        _window = (long)(span.TotalSeconds * _time.TimestampFrequency);
    }

    /// <summary>Every byte recorded.</summary>
    public long TotalBytes => Interlocked.Read(ref _total);

    /// <summary>Records <paramref name="bytes"/> sent now.</summary>
    public void Record(long bytes)
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            _samples.Enqueue((now, bytes));
            _lastAt = now;
            _windowBytes += bytes;
            _total += bytes;
            Trim(now);
        }
    }

    /// <summary>
    /// Bytes per second over the window: the bytes of every sample but the oldest, over the time
    /// from the oldest to the newest. Null until two samples span some time.
    /// </summary>
    public double? BytesPerSecond
    {
        get
        {
            lock (_lock)
            {
                long now = _time.GetTimestamp();
                Trim(now);
                if (_samples.Count < 2)
                {
                    return null;
                }
                var (firstAt, firstBytes) = _samples.Peek();
                double seconds = (double)(_lastAt - firstAt) / _time.TimestampFrequency;
                return seconds <= 0 ? null : (_windowBytes - firstBytes) / seconds;
            }
        }
    }

    private void Trim(long now)
    {
        // Keep at least two samples so that a pause between rounds does not blank the figure.
        while (_samples.Count > 2 && now - _samples.Peek().At > _window)
        {
            _windowBytes -= _samples.Dequeue().Bytes;
        }
    }
}
