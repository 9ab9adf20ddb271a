namespace Nvo3.Packets;

/// <summary>ILA identifier types: the top three bits of the identifier (draft-herbert-intarea-ila).</summary>
public enum IlaIdentifierType : byte
{
    /// <summary>Interface identifier.</summary>
    Iid = 0,
    /// <summary>Locally unique identifier.</summary>
    Luid = 1,
    /// <summary>Virtual networking identifier for IPv4.</summary>
    VirtualIPv4 = 2,
    /// <summary>Virtual networking identifier for IPv6 unicast.</summary>
    VirtualIPv6Unicast = 3,
    /// <summary>Virtual networking identifier for IPv6 multicast.</summary>
    VirtualIPv6Multicast = 4,
    /// <summary>Non-local address identifier.</summary>
    NonLocal = 5,
}
