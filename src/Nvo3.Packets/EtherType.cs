namespace Nvo3.Packets;

/// <summary>EtherType values Nvo3 reads and writes.</summary>
public static class EtherType
{
    /// <summary>IPv4.</summary>
    public const ushort IPv4 = 0x0800;
    /// <summary>ARP (RFC 826).</summary>
    public const ushort Arp = 0x0806;
    /// <summary>RARP (RFC 903); QEMU announces a migrated VM with it.</summary>
    public const ushort Rarp = 0x8035;
    /// <summary>IEEE 802.1Q VLAN tag.</summary>
    public const ushort Vlan = 0x8100;
    /// <summary>IPv6.</summary>
    public const ushort IPv6 = 0x86DD;
}
