namespace Nvo3.Nva;

/// <summary>An NVE as the directory knows it.</summary>
/// <param name="Name">Its unique name.</param>
/// <param name="Underlay">Its underlay endpoints; the first is where others send.</param>
/// <param name="IlaLocator">Layer 3 with ILA: its locator (high 64 bits of ILA addresses it hosts).</param>
/// <param name="External">Added by an operator rather than registered (a kernel VTEP): no lease.</param>
/// <param name="Registered">When it registered or was added.</param>
/// <param name="LeaseExpires">When its registration lapses unless kept alive; null for external NVEs.</param>
/// <param name="Agent">Where the agent beside it (ports, migrations) listens, http://HOST:PORT; null when none.</param>
/// <param name="Down">
/// Set by the NVA's leader when the lease ran out without a renewal: since when the NVE is taken
/// for dead (its standbys were activated elsewhere). Cleared when it registers or renews again.
/// </param>
/// <remarks>
/// Renewals rewrite only the NVA's lease entry, not this record, so a watcher is not sent one
/// change per keep-alive: in a watched record <see cref="LeaseExpires"/> is the expiry when the
/// record was last written, and <see cref="Down"/> is what says that the lease ran out. Records
/// the NVA answers with (lists, look-ups) carry the current expiry.
/// </remarks>
public sealed record NveRecord(
    string Name,
    IReadOnlyList<UnderlayEndpoint> Underlay,
    ulong? IlaLocator,
    bool External,
    DateTimeOffset Registered,
    DateTimeOffset? LeaseExpires,
    string? Agent = null,
    DateTimeOffset? Down = null)
{
    /// <summary>The endpoint others tunnel to.</summary>
    public UnderlayEndpoint Primary => Underlay[0];

    /// <summary>True for an external NVE, or while the lease runs and the NVE is not marked down.</summary>
    public bool IsAlive(DateTimeOffset now) => External || (Down is null && LeaseExpires > now);
}
