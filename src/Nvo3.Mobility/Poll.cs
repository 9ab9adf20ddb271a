using System.Diagnostics;

namespace Nvo3.Mobility;

/// <summary>
/// Bounded waits for what other threads, processes and machines do (a port's state, the NVA's
/// record): a condition polled every few milliseconds until it holds or the time is up. Timers of
/// our own never wait this way; they run on a <see cref="TimeProvider"/>.
/// </summary>
public static class Poll
{
    /// <summary>The default bound: long enough for a busy machine, short enough to report a stall.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? DefaultTimeout).TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="UntilAsync(Func{bool}, string, CancellationToken, TimeSpan?)"/> with a condition that asks someone (every 20 ms).</summary>
    public static async Task UntilAsync(Func<CancellationToken, Task<bool>> condition, string what, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? DefaultTimeout).TotalSeconds * Stopwatch.Frequency);
        while (!await condition(cancellationToken).ConfigureAwait(false))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }
}
