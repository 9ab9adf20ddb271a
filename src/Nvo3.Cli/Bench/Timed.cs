using System.Diagnostics;

namespace Nvo3.Cli.Bench;

/// <summary>Runs a benchmark's operations from several tasks at once and times each.</summary>
internal static class Timed
{
    /// <summary>
    /// Runs <paramref name="count"/> operations from one task per state (each task takes the next
    /// operation number until all are taken) and returns the wall time and each operation's
    /// latency in <see cref="Stopwatch"/> ticks.
    /// </summary>
    public static async Task<(double Seconds, long[] Latencies)> RunAsync<T>(T[] states, int count, Func<T, CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        var latencies = new long[count];
        int next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(states.Select(state => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                long start = Stopwatch.GetTimestamp();
                await operation(state, cancellationToken).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetTimestamp() - start;
            }
        }, cancellationToken))).ConfigureAwait(false);
        return (stopwatch.Elapsed.TotalSeconds, latencies);
    }
}
