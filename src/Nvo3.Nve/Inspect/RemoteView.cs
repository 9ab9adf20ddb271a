using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// One entry of the NVE's remote cache as an operator sees it (<c>nvo3 nve show NAME remote</c>):
/// where a binding of another NVE is, learned how, and for how long still.
/// </summary>
/// <param name="Vni">Its network.</param>
/// <param name="Mac">Its MAC.</param>
/// <param name="Ips">Its addresses, from this NVE's copy of the directory.</param>
/// <param name="Nve">The NVE it is sent to; null while it is active nowhere (mid-move).</param>
/// <param name="Underlay">That NVE's underlay endpoint.</param>
/// <param name="Source">How the entry is kept: push (the watch) or pull (looked up, refreshed at expiry).</param>
/// <param name="ExpiresIn">Until it is due for a refresh (negative: past, in use until the refresh answers); null in push mode (never).</param>
/// <param name="Age">Since its NVE last changed.</param>
/// <param name="Refreshing">True while a refresh is under way.</param>
public sealed record RemoteView(uint Vni, MacAddress Mac, IReadOnlyList<IpAddr> Ips, string? Nve, UnderlayEndpoint? Underlay,
    UpdateMode Source, TimeSpan? ExpiresIn, TimeSpan Age, bool Refreshing);
