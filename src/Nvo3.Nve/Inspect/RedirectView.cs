using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// One redirect this NVE runs for a binding that left (<c>nvo3 nve show NAME redirects</c>): the
/// draft's tunnel for packets in flight.
/// </summary>
/// <param name="Vni">Its network.</param>
/// <param name="Mac">The binding's MAC.</param>
/// <param name="To">The binding's new NVE.</param>
/// <param name="Underlay">That NVE's underlay endpoint.</param>
/// <param name="Timed">True once the activation at the new NVE was seen and the hold runs.</param>
/// <param name="Age">Since it started.</param>
/// <param name="ExpiresIn">Until forwarding may stop if nothing arrives for it (negative: past, kept while packets still come); null while untimed.</param>
/// <param name="Idle">Since a packet last took it.</param>
/// <param name="Forwarded">Packets it sent on.</param>
public sealed record RedirectView(uint Vni, MacAddress Mac, string To, UnderlayEndpoint Underlay, bool Timed,
    TimeSpan Age, TimeSpan? ExpiresIn, TimeSpan Idle, long Forwarded);
