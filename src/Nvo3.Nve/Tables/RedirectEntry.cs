namespace Nvo3.Nve;

/// <summary>
/// The old NVE's tunnel for one binding's packets in flight (draft-ietf-nvo3-vmm section 5):
/// where to, since when, and until when at least. Times are this NVE's own timestamps. Once
/// <see cref="ExpiresTicks"/> has passed it lasts as long as packets still arrive for it (the
/// draft's "until the old NVE stops receiving packets"), within a bound.
/// </summary>
public sealed class RedirectEntry
{
    private long _lastUsedTicks;
    private long _forwarded;

    internal RedirectEntry(Peer target, long startedTicks, long expiresTicks, bool timed)
    {
        Target = target;
        StartedTicks = startedTicks;
        ExpiresTicks = expiresTicks;
        Timed = timed;
        _lastUsedTicks = startedTicks;
    }

    /// <summary>The binding's new NVE.</summary>
    public Peer Target { get; }

    /// <summary>When it started (the pause here, or when this NVE saw the activation at the new one).</summary>
    public long StartedTicks { get; }

    /// <summary>When forwarding may stop if nothing arrives for it any more.</summary>
    public long ExpiresTicks { get; }

    /// <summary>
    /// True once the activation at the new NVE was seen and the NVA's hold (the network's cache
    /// lifetime and a grace) runs; false while the workload is paused here and nobody activated yet.
    /// </summary>
    public bool Timed { get; }

    /// <summary>When a packet last took it.</summary>
    public long LastUsedTicks => Volatile.Read(ref _lastUsedTicks);

    /// <summary>Packets it sent on to <see cref="Target"/>.</summary>
    public long Forwarded => Interlocked.Read(ref _forwarded);

    // The same redirect to the same NVE at its newer record (a new address after it registered again).
    internal RedirectEntry Retarget(Peer target) =>
        new(target, StartedTicks, ExpiresTicks, Timed) { _lastUsedTicks = LastUsedTicks, _forwarded = Forwarded };

    // One interlocked add per redirected packet, like the NVE's own counters.
    internal void AddForwarded() => Interlocked.Increment(ref _forwarded);

    // One plain write per redirected packet; readers only need an approximate time.
    internal void Touch(long nowTicks) => Volatile.Write(ref _lastUsedTicks, nowTicks);
}
