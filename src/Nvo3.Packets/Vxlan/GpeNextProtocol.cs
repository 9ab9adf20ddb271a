namespace Nvo3.Packets;

/// <summary>The VXLAN-GPE next-protocol values.</summary>
public enum GpeNextProtocol : byte
{
    /// <summary>IPv4 packet.</summary>
    IPv4 = 1,
    /// <summary>IPv6 packet.</summary>
    IPv6 = 2,
    /// <summary>Ethernet frame.</summary>
    Ethernet = 3,
    /// <summary>Network service header (not carried by Nvo3).</summary>
    Nsh = 4,
}
