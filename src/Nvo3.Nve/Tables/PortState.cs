namespace Nvo3.Nve;

/// <summary>Where a local port's binding stands at this NVE (RFC 8394 states as the data path sees them).</summary>
public enum PortState
{
    /// <summary>No placement here: only announcements pass (an unplanned arrival claims through the NVA).</summary>
    Learning,
    /// <summary>Associated here and waiting to activate: traffic for it is buffered, traffic from it blocked.</summary>
    Pending,
    /// <summary>Activated here: traffic flows.</summary>
    Active,
    /// <summary>The workload paused here to move away: traffic for it is redirected to its new NVE.</summary>
    Paused,
    /// <summary>
    /// The task stopped here for a cold move (draft 4.2.1's address migration): traffic for it is
    /// dropped or answered with destination unreachable, as its <see cref="SuspendPolicy"/> says,
    /// until the NVA names its new place (then it is redirected).
    /// </summary>
    Suspended,
}
