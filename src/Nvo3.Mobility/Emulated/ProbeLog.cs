namespace Nvo3.Mobility.Emulated;

/// <summary>
/// What a probe receiver saw: each sequence number once or more, in which order, and when each
/// arrived, so loss, duplication, reordering and the longest gap are counted exactly. Fixed
/// capacity, preallocated; one writer (the VM's receive path), readers after the fact.
/// </summary>
public sealed class ProbeLog
{
    private readonly byte[] _seen;
    private readonly long[] _arrivals;
    private int _count;
    private long _highest = -1;
    private long _duplicates;
    private long _reordered;
    private long _unique;

    /// <summary>Creates a log for sequence numbers 0 to <paramref name="capacity"/> − 1.</summary>
    public ProbeLog(int capacity = 1 << 20)
    {
        _seen = new byte[capacity];
        _arrivals = new long[capacity];
    }

    /// <summary>Distinct probes received.</summary>
    public long Unique => Interlocked.Read(ref _unique);

    /// <summary>Probes received more than once (each extra copy counts).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Probes that arrived after a higher sequence number had.</summary>
    public long Reordered => Interlocked.Read(ref _reordered);

    /// <summary>The highest sequence number seen (−1 before any).</summary>
    public long Highest => Interlocked.Read(ref _highest);

    /// <summary>Records probe <paramref name="sequence"/> arriving at <paramref name="ticks"/>.</summary>
    public void Record(long sequence, long ticks)
    {
        if (sequence < 0 || sequence >= _seen.Length)
        {
            return;
        }
        if (_seen[sequence] != 0)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        _seen[sequence] = 1;
        Interlocked.Increment(ref _unique);
        if (sequence < _highest)
        {
            Interlocked.Increment(ref _reordered);
        }
        else
        {
            Interlocked.Exchange(ref _highest, sequence);
        }
        int at = Interlocked.Increment(ref _count) - 1;
        if (at < _arrivals.Length)
        {
            _arrivals[at] = ticks;
        }
    }

    /// <summary>True when probe <paramref name="sequence"/> arrived.</summary>
    public bool Seen(long sequence) => sequence >= 0 && sequence < _seen.Length && _seen[sequence] != 0;

    /// <summary>The longest time between consecutive arrivals within [<paramref name="fromTicks"/>, <paramref name="toTicks"/>], in ticks.</summary>
    public long LongestGap(long fromTicks, long toTicks)
    {
        int n = Math.Min(Volatile.Read(ref _count), _arrivals.Length);
        long previous = -1;
        long longest = 0;
        for (int i = 0; i < n; i++)
        {
            long t = _arrivals[i];
            if (t < fromTicks || t > toTicks)
            {
                continue;
            }
            if (previous >= 0)
            {
                longest = Math.Max(longest, t - previous);
            }
            previous = t;
        }
        return longest;
    }
}
