using System.Diagnostics;
using Nvo3.Packets;

namespace Nvo3.Mobility.Emulated;

/// <summary>
/// A correspondent sending probes to a target at a fixed interval on its own thread, catching up
/// when the scheduler is late so the average rate holds, and keeping when it sent each (a
/// preallocated array, for the report's timeline). Dispose (or <see cref="Stop"/>) ends it.
/// </summary>
public sealed class ProbeStream : IDisposable
{
    private readonly Func<long, long> _send;
    private readonly TimeSpan _interval;
    private readonly Thread _thread;
    private readonly long[] _sentAt; // by sequence number: the timestamp the probe carried
    private volatile bool _stopping;
    private long _sent;

    /// <summary>
    /// Starts probing <paramref name="to"/> from <paramref name="from"/> every <paramref name="interval"/>;
    /// send times are kept for the first <paramref name="capacity"/> probes (4 minutes at 1 ms by default).
    /// </summary>
    public ProbeStream(EmulatedVm from, IpAddr to, TimeSpan interval, int capacity = 1 << 18)
        : this(from.Name, sequence => from.SendProbe(to, sequence), interval, capacity)
    {
    }

    /// <summary>
    /// Starts probing through <paramref name="send"/>, which sends probe number N and returns the
    /// timestamp (<see cref="Stopwatch"/> ticks, or the sender's clock) it was sent at: how a probe
    /// leaves (an emulated VM, a socket in a namespace) is the caller's; the pacing is this type's.
    /// </summary>
    public ProbeStream(string name, Func<long, long> send, TimeSpan interval, int capacity = 1 << 18)
    {
        _sentAt = new long[capacity];
        _send = send;
        _interval = interval;
        _thread = new Thread(Run) { IsBackground = true, Name = $"probes-{name}" };
        _thread.Start();
    }

    /// <summary>Probes sent so far (their sequence numbers are 0 to Sent − 1).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>The interval.</summary>
    public TimeSpan Interval => _interval;

    /// <summary>When probe <paramref name="sequence"/> was sent (the timestamp it carries); false when it was not, or past the capacity.</summary>
    public bool TryGetSent(long sequence, out long ticks)
    {
        bool known = sequence >= 0 && sequence < Math.Min(Sent, _sentAt.Length);
        ticks = known ? _sentAt[sequence] : 0;
        return known;
    }

    private void Run()
    {
        long start = Stopwatch.GetTimestamp();
        double perProbe = _interval.TotalSeconds * Stopwatch.Frequency;
        while (!_stopping)
        {
            long due = (long)((Stopwatch.GetTimestamp() - start) / perProbe) + 1;
            while (Sent < due && !_stopping)
            {
                long sequence = Sent;
                long ticks = _send(sequence);
                if (sequence < _sentAt.Length)
                {
                    _sentAt[sequence] = ticks;
                }
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
