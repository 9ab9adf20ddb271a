namespace Nvo3.Nva;

/// <summary>
/// A binding's state at one NVE (RFC 8394 section 3). Init is the absence of a placement.
/// </summary>
public enum PlacementState
{
    /// <summary>Resources reserved and the mapping known, not in forwarding tables (a pre-associated destination, a standby).</summary>
    Associated,
    /// <summary>In forwarding tables: traffic goes here. At most one NVE per binding.</summary>
    Activated,
}
