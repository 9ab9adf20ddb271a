namespace Nvo3.Packets;

/// <summary>
/// The MTU a tenant interface may have so that its packets, encapsulated, still fit the underlay's
/// MTU: the underlay MTU less the outer IP header, UDP (8), the VXLAN or VXLAN-GPE header (8) and,
/// when the overlay carries Ethernet, the inner Ethernet header (14), since an interface's MTU
/// counts its IP packet but not its link header.
/// </summary>
/// <remarks>
/// | encapsulation | outer IP | overhead | inner MTU under a 1500-byte underlay |
/// |---|---|---|---|
/// | VXLAN (inner Ethernet) | IPv4 | 20 + 8 + 8 + 14 = 50 | 1450 |
/// | VXLAN (inner Ethernet) | IPv6 | 40 + 8 + 8 + 14 = 70 | 1430 |
/// | VXLAN-GPE carrying IP | IPv4 | 20 + 8 + 8 = 36 | 1464 |
/// | VXLAN-GPE carrying IP | IPv6 | 40 + 8 + 8 = 56 | 1444 |
///
/// The outer Ethernet header is not counted: the underlay's own MTU excludes it too. An inner
/// 802.1Q tag would cost 4 bytes more (Nvo3's ports send untagged frames). Linux's vxlan driver
/// uses the same figures (VXLAN_HEADROOM 50, VXLAN6_HEADROOM 70).
/// </remarks>
public static class OverlayMtu
{
    /// <summary>The overhead of VXLAN over an IPv4 underlay.</summary>
    public const int VxlanOverIPv4 = IPv4Packet.MinHeaderLength + UdpDatagram.HeaderLength + VxlanHeader.Length + EthernetFrame.HeaderLength;

    /// <summary>The overhead of VXLAN over an IPv6 underlay.</summary>
    public const int VxlanOverIPv6 = IPv6Packet.HeaderLength + UdpDatagram.HeaderLength + VxlanHeader.Length + EthernetFrame.HeaderLength;

    /// <summary>The overhead of VXLAN-GPE carrying an IP packet over an IPv4 underlay.</summary>
    public const int GpeIpOverIPv4 = IPv4Packet.MinHeaderLength + UdpDatagram.HeaderLength + VxlanGpeHeader.Length;

    /// <summary>The overhead of VXLAN-GPE carrying an IP packet over an IPv6 underlay.</summary>
    public const int GpeIpOverIPv6 = IPv6Packet.HeaderLength + UdpDatagram.HeaderLength + VxlanGpeHeader.Length;

    /// <summary>The bytes the encapsulation adds, counted against the underlay MTU.</summary>
    public static int Overhead(bool underlayIPv6, bool innerEthernet) => (underlayIPv6, innerEthernet) switch
    {
        (false, true) => VxlanOverIPv4,
        (true, true) => VxlanOverIPv6,
        (false, false) => GpeIpOverIPv4,
        (true, false) => GpeIpOverIPv6,
    };

    /// <summary>
    /// The tenant MTU under an underlay of <paramref name="underlayMtu"/> bytes. Throws when the underlay
    /// is too small to carry even an IPv4 tenant's least MTU (68 bytes) or is not a valid MTU for its family.
    /// </summary>
    public static int InnerMtu(int underlayMtu, bool underlayIPv6, bool innerEthernet)
    {
        int least = underlayIPv6 ? IcmpV6Writer.MinimumMtu : IcmpV4Writer.MinimumMtu;
        if (underlayMtu < least || underlayMtu > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(underlayMtu), $"An {(underlayIPv6 ? "IPv6" : "IPv4")} underlay MTU lies between {least} and 65535.");
        }
        int inner = underlayMtu - Overhead(underlayIPv6, innerEthernet);
        return inner >= IcmpV4Writer.MinimumMtu
            ? inner
            : throw new ArgumentOutOfRangeException(nameof(underlayMtu), $"An underlay MTU of {underlayMtu} leaves tenants less than {IcmpV4Writer.MinimumMtu} bytes.");
    }

    /// <summary>The TCP maximum segment size a tenant of MTU <paramref name="innerMtu"/> announces (no IP or TCP options).</summary>
    public static int TcpMss(int innerMtu, bool innerIPv6) =>
        innerMtu - (innerIPv6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength) - TcpSegment.MinHeaderLength;
}
