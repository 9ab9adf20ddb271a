namespace Nvo3.Migration.Transfer;

/// <summary>
/// A bandwidth cap: tokens (bytes) refill at <see cref="Rate"/> per second up to
/// <see cref="Burst"/>. A sender takes what it sends and may run into debt; the next send waits
/// until the debt is paid. So loopback transfers behave like a link of the capped rate, on
/// average over any stretch longer than a burst. Time comes from a <see cref="TimeProvider"/>.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _last;

    /// <summary>A full bucket of <paramref name="burstBytes"/> refilled at <paramref name="bytesPerSecond"/>.</summary>
    public TokenBucket(double bytesPerSecond, long burstBytes, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burstBytes);
        Rate = bytesPerSecond;
        Burst = burstBytes;
        _time = timeProvider ?? TimeProvider.System;
        _tokens = burstBytes;
        _last = _time.GetTimestamp();
    }

    /// <summary>A bucket for <paramref name="bytesPerSecond"/> with a burst of 20 ms of traffic (at least 64 KiB).</summary>
    public static TokenBucket ForRate(double bytesPerSecond, TimeProvider? timeProvider = null) =>
        new(bytesPerSecond, Math.Max(64 << 10, (long)(bytesPerSecond * 0.02)), timeProvider);

    /// <summary>Bytes per second.</summary>
    public double Rate { get; }

    /// <summary>The most bytes that may go at once after an idle spell.</summary>
    public long Burst { get; }

    /// <summary>Takes <paramref name="bytes"/>; completes when the bucket holds no debt.</summary>
    public ValueTask WaitAsync(int bytes, CancellationToken cancellationToken = default)
    {
        TimeSpan wait;
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            _tokens = Math.Min(Burst, _tokens + _time.GetElapsedTime(_last, now).TotalSeconds * Rate);
            _last = now;
            _tokens -= bytes;
            if (_tokens >= 0)
            {
                return ValueTask.CompletedTask;
            }
            wait = TimeSpan.FromSeconds(-_tokens / Rate);
        }
        return new ValueTask(Task.Delay(wait, _time, cancellationToken));
    }
}
