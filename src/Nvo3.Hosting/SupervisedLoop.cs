using Microsoft.Extensions.Logging;

namespace Nvo3.Hosting;

/// <summary>
/// Runs a background loop (the NVA's watch pump, housekeeping and election; the NVE's view,
/// keep-alive, underlay and port loops) until it is cancelled, and never lets it stop silently: a body that throws, or returns while
/// nobody asked it to, is restarted after a back-off that doubles from
/// <see cref="FirstDelay"/> to <see cref="MaxDelay"/>. Each burst of failures is logged once,
/// with the first exception, and once more when the body reports it is healthy again; every
/// failure is counted.
/// </summary>
public sealed partial class SupervisedLoop
{
    private readonly string _name;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _failures;
    private int _burst;

    /// <summary>Creates a supervisor for the loop called <paramref name="name"/> in logs.</summary>
    public SupervisedLoop(string name, TimeProvider time, ILogger logger)
    {
        _name = name;
        _time = time;
        _logger = logger;
    }

    /// <summary>The wait after the first failure of a burst. Default 100 ms.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between restarts. Default 5 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Every failure since the loop started (exceptions, and returns nobody asked for).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>
    /// Raised on the loop after a failure, once the back-off has begun and before it is awaited,
    /// with the failures so far: a test with a fake clock advances it from here.
    /// </summary>
    public event Action<long>? BackingOff;

    /// <summary>
    /// Runs <paramref name="body"/> until <paramref name="cancellationToken"/> is cancelled,
    /// restarting it after each failure. Ends only by cancellation.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? failure = null;
            try
            {
                await body(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            var (wait, failures) = Failed(failure, cancellationToken);
            try
            {
                BackingOff?.Invoke(failures);
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// As <see cref="RunAsync"/> for a loop that owns its thread (a receive loop): the body runs,
    /// and after a failure waits, on the calling thread. The body returns true when it ended on
    /// purpose (its socket or port closed), false or an exception when it failed.
    /// </summary>
    public void Run(Func<CancellationToken, bool> body, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? failure = null;
            try
            {
                if (body(cancellationToken))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            var (wait, failures) = Failed(failure, cancellationToken);
            try
            {
                BackingOff?.Invoke(failures);
                wait.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Counts a failure, logs the first of a burst, and starts the back-off's wait.
    private (Task Wait, long Failures) Failed(Exception? failure, CancellationToken cancellationToken)
    {
        long failures = Interlocked.Increment(ref _failures);
        int burst = Interlocked.Increment(ref _burst);
        var delay = TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << Math.Min(burst - 1, 20), MaxDelay.Ticks));
        if (burst == 1)
        {
            // Once per burst: a store that is down for a minute is one log line, not hundreds.
            Log.Failed(_logger, _name, delay, failure ?? new InvalidOperationException($"The {_name} loop returned while it should still run."));
        }
        return (Task.Delay(delay, _time, cancellationToken), failures);
    }

    /// <summary>
    /// Called by the body when it has done useful work: ends a burst of failures (logging the
    /// recovery once) and resets the back-off.
    /// </summary>
    public void Healthy()
    {
        int burst = Interlocked.Exchange(ref _burst, 0);
        if (burst > 0)
        {
            Log.Recovered(_logger, _name, burst);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "The {Loop} loop failed; restarting in {Delay} and backing off while it keeps failing")]
        public static partial void Failed(ILogger logger, string loop, TimeSpan delay, Exception exception);

        [LoggerMessage(2, LogLevel.Information, "The {Loop} loop recovered after {Failures} failure(s)")]
        public static partial void Recovered(ILogger logger, string loop, int failures);
    }
}
