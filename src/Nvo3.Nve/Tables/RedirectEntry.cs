namespace Nvo3.Nve;

/// <summary>The old NVE's tunnel for one binding's packets in flight: where to, and until when.</summary>
/// <param name="Target">The binding's new NVE.</param>
/// <param name="ExpiresTicks">When forwarding stops (timestamp ticks; <see cref="long.MaxValue"/> until the NVA times it).</param>
public sealed record RedirectEntry(Peer Target, long ExpiresTicks);
