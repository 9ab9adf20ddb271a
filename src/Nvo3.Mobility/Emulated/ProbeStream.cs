using System.Diagnostics;
using Nvo3.Packets;

namespace Nvo3.Mobility.Emulated;

/// <summary>
/// A correspondent sending probes to a target at a fixed interval on its own thread, catching up
/// when the scheduler is late so the average rate holds. Dispose (or <see cref="Stop"/>) ends it.
/// </summary>
public sealed class ProbeStream : IDisposable
{
    private readonly EmulatedVm _from;
    private readonly IpAddr _to;
    private readonly TimeSpan _interval;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _sent;

    /// <summary>Starts probing <paramref name="to"/> from <paramref name="from"/> every <paramref name="interval"/>.</summary>
    public ProbeStream(EmulatedVm from, IpAddr to, TimeSpan interval)
    {
        _from = from;
        _to = to;
        _interval = interval;
        _thread = new Thread(Run) { IsBackground = true, Name = $"probes-{from.Name}" };
        _thread.Start();
    }

    /// <summary>Probes sent so far (their sequence numbers are 0 to Sent − 1).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>The interval.</summary>
    public TimeSpan Interval => _interval;

    private void Run()
    {
        long start = Stopwatch.GetTimestamp();
        double perProbe = _interval.TotalSeconds * Stopwatch.Frequency;
        while (!_stopping)
        {
            long due = (long)((Stopwatch.GetTimestamp() - start) / perProbe) + 1;
            while (Sent < due && !_stopping)
            {
                _from.SendProbe(_to, Sent);
                Interlocked.Increment(ref _sent);
            }
            Thread.Sleep(1);
        }
    }

    /// <summary>Stops sending and waits for the thread.</summary>
    public void Stop()
    {
        _stopping = true;
        _thread.Join();
    }

    /// <inheritdoc />
    public void Dispose() => Stop();
}
