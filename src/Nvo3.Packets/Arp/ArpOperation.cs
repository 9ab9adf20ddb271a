namespace Nvo3.Packets;

/// <summary>ARP (RFC 826) and RARP (RFC 903) operation codes.</summary>
public enum ArpOperation : ushort
{
    /// <summary>ARP request.</summary>
    Request = 1,
    /// <summary>ARP reply.</summary>
    Reply = 2,
    /// <summary>RARP request ("reverse request"): who has this hardware address's IP?</summary>
    ReverseRequest = 3,
    /// <summary>RARP reply.</summary>
    ReverseReply = 4,
}
