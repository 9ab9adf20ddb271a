namespace Nvo3.Nva.Hosting;

/// <summary>
/// Since when this NVA has reached its store without a failure: the watch pump and every commit
/// report here. The leader marks an NVE down only when the NVE had a whole lease of healthy store
/// to renew in, so a store outage (etcd electing a new leader, a lost quorum) never takes every
/// NVE for dead at once when it ends: etcd extends its own leases after a leader change for the
/// same reason.
/// </summary>
public sealed class StoreHealth(TimeProvider time)
{
    private long _healthySinceTicks = time.GetUtcNow().UtcTicks;
    private int _failing;

    /// <summary>The start of the current run of healthy store access.</summary>
    public DateTimeOffset HealthySince => new(Interlocked.Read(ref _healthySinceTicks), TimeSpan.Zero);

    /// <summary>A store call succeeded: a run of health starts now if the store was failing.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _failing) == 1 && Interlocked.Exchange(ref _failing, 0) == 1)
        {
            Interlocked.Exchange(ref _healthySinceTicks, time.GetUtcNow().UtcTicks);
        }
    }

    /// <summary>A store call failed (unreachable, or the watch broke).</summary>
    public void Failed() => Interlocked.Exchange(ref _failing, 1);

    /// <summary>Counts health from now, whatever came before (a replica that has just become leader).</summary>
    public void Restart() => Interlocked.Exchange(ref _healthySinceTicks, time.GetUtcNow().UtcTicks);
}
