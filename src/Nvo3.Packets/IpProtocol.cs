namespace Nvo3.Packets;

/// <summary>IP protocol numbers (IPv4 protocol, IPv6 next header) Nvo3 reads and writes.</summary>
public static class IpProtocol
{
    /// <summary>ICMP for IPv4.</summary>
    public const byte Icmp = 1;
    /// <summary>TCP.</summary>
    public const byte Tcp = 6;
    /// <summary>UDP.</summary>
    public const byte Udp = 17;
    /// <summary>ICMP for IPv6.</summary>
    public const byte IcmpV6 = 58;
    /// <summary>No next header (IPv6).</summary>
    public const byte NoNextHeader = 59;
}
