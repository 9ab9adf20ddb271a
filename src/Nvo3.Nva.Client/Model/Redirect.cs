using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>
/// The old NVE's tunnel for packets in flight (draft-ietf-nvo3-vmm section 5): while it is active
/// the old NVE forwards every packet for the binding to the new NVE, until it expires.
/// </summary>
/// <param name="Vni">The binding's network.</param>
/// <param name="Mac">The binding's MAC.</param>
/// <param name="OldNve">The NVE the binding left; it does the forwarding.</param>
/// <param name="NewNve">Where to forward: always the binding's newest NVE.</param>
/// <param name="MigrationId">The migration that made it, if any.</param>
/// <param name="Active">True from the workload's pause at the old NVE.</param>
/// <param name="Expires">Set at activation at the new NVE: the old NVE stops forwarding then.</param>
public sealed record Redirect(
    uint Vni,
    MacAddress Mac,
    string OldNve,
    string NewNve,
    string? MigrationId,
    bool Active,
    DateTimeOffset? Expires)
{
    /// <summary>
    /// Set with <see cref="Expires"/>: how long the old NVE forwards, counted on its own clock from
    /// when it sees the activation (a wall-clock time from the NVA would move with clock skew).
    /// </summary>
    public TimeSpan? Hold { get; init; }
}
