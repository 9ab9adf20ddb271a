namespace Nvo3.Nva;

/// <summary>An NVE as the directory knows it.</summary>
/// <param name="Name">Its unique name.</param>
/// <param name="Underlay">Its underlay endpoints; the first is where others send.</param>
/// <param name="IlaLocator">Layer 3 with ILA: its locator (high 64 bits of ILA addresses it hosts).</param>
/// <param name="External">Added by an operator rather than registered (a kernel VTEP): no lease.</param>
/// <param name="Registered">When it registered or was added.</param>
/// <param name="LeaseExpires">When its registration lapses unless kept alive; null for external NVEs.</param>
/// <param name="Agent">Where the agent beside it (ports, migrations) listens, http://HOST:PORT; null when none.</param>
public sealed record NveRecord(
    string Name,
    IReadOnlyList<UnderlayEndpoint> Underlay,
    ulong? IlaLocator,
    bool External,
    DateTimeOffset Registered,
    DateTimeOffset? LeaseExpires,
    string? Agent = null)
{
    /// <summary>The endpoint others tunnel to.</summary>
    public UnderlayEndpoint Primary => Underlay[0];

    /// <summary>True for an external NVE, or while the lease runs.</summary>
    public bool IsAlive(DateTimeOffset now) => External || LeaseExpires > now;
}
