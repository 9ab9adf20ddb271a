namespace Nvo3.Packets;

/// <summary>Flags of a Neighbor Advertisement (RFC 4861 section 4.4).</summary>
[Flags]
public enum NeighborAdvertisementFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>O: the advertisement should override an existing cache entry.</summary>
    Override = 0x20,
    /// <summary>S: sent in response to a solicitation.</summary>
    Solicited = 0x40,
    /// <summary>R: the sender is a router.</summary>
    Router = 0x80,
}
