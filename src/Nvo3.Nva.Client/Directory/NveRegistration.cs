namespace Nvo3.Nva;

/// <summary>What the NVA answered a registration or a renewal.</summary>
/// <param name="Nve">The NVE as registered (null for a renewal).</param>
/// <param name="LeaseExpires">When the lease now runs out.</param>
/// <param name="WasDown">
/// Set when the NVA had taken the NVE for dead (its lease ran out and the leader marked it down)
/// until this call revived it: its standbys may have been activated elsewhere meanwhile, so the
/// NVE reconciles (a snapshot of its networks; <c>ConfirmActivationAsync</c> for what it activated
/// on its own while away). Null when it was up.
/// </param>
public sealed record NveRegistration(NveRecord? Nve, DateTimeOffset LeaseExpires, DateTimeOffset? WasDown);
