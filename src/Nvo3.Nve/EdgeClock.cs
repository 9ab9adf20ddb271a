namespace Nvo3.Nve;

/// <summary>
/// The NVE's monotonic clock: timestamps from its <see cref="TimeProvider"/>, so that every timer
/// (held frames, redirects, announcements, cache lifetimes) runs on a fake clock in tests and on
/// this machine's own clock in production, never on another machine's wall-clock time.
/// </summary>
internal sealed class EdgeClock(TimeProvider time)
{
    /// <summary>The provider.</summary>
    public TimeProvider Time => time;

    /// <summary>Now, in timestamp ticks.</summary>
    public long Now => time.GetTimestamp();

    /// <summary>How many timestamp ticks <paramref name="span"/> lasts.</summary>
    public long TicksFor(TimeSpan span) => span == TimeSpan.MaxValue ? long.MaxValue / 4 : (long)(span.TotalSeconds * time.TimestampFrequency);

    /// <summary>Milliseconds between two timestamps.</summary>
    public double Milliseconds(long fromTicks, long toTicks) => (toTicks - fromTicks) * 1000.0 / time.TimestampFrequency;
}
