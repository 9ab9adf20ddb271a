using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>An NVE's claim that a binding is now in its forwarding tables.</summary>
/// <param name="Vni">The binding's network.</param>
/// <param name="Mac">The binding's MAC.</param>
/// <param name="Nve">The claiming NVE.</param>
/// <param name="Trigger">What caused the claim.</param>
/// <param name="Sequence">The sequence number claimed (the last the NVE saw + 1, as an EVPN PE would); 0 lets the NVA take the next.</param>
/// <param name="ClaimedIps">The addresses the announcement carried; each must be the binding's own.</param>
public sealed record ActivateRequest(uint Vni, MacAddress Mac, string Nve, MoveTrigger Trigger, long Sequence = 0, IReadOnlyList<IpAddr>? ClaimedIps = null);
