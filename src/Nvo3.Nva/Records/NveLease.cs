namespace Nvo3.Nva.Records;

/// <summary>
/// An NVE's lease, under <c>lease/NAME</c> beside its record: keep-alives rewrite this small key
/// alone, so a renewal is no change to the NVE's record and no event for any watcher.
/// </summary>
/// <param name="Expires">When the registration lapses unless renewed.</param>
/// <param name="Renewed">When it was last registered or renewed: where a failover's outage is measured from.</param>
/// <param name="Duration">How long each renewal lasts (what the NVE registered with).</param>
internal sealed record NveLease(DateTimeOffset Expires, DateTimeOffset Renewed, TimeSpan Duration)
{
    /// <summary><paramref name="nve"/> with the expiry of its lease, when it has one.</summary>
    public static NveRecord Current(NveRecord nve, NveLease? lease) =>
        lease is null || nve.External ? nve : nve with { LeaseExpires = lease.Expires };
}
