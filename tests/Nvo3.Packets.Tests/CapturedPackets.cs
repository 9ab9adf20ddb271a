namespace Nvo3.Packets.Tests;

/// <summary>
/// Frames captured with dumpcap on the loopback interface of a Linux 6.x host (zero MACs, as lo
/// has): a UDP datagram to a closed port over IPv4 and IPv6, the kernel's ICMP port-unreachable
/// answers, and a TCP SYN to a closed port with the kernel's RST. Independent checksum vectors.
/// </summary>
/// <remarks>
/// The ICMPv4, ICMPv6 and TCP-over-IPv4 RST checksums are the kernel's own. On loopback the kernel
/// leaves UDP and TCP-over-IPv6 checksums partial (offloaded); for those three frames the field
/// holds the full checksum, worked out by hand with a 16-bit one's-complement sum (Python) and
/// confirmed by tshark's validation (see <c>TsharkTests.CapturedPackets_Tshark_AllChecksumsGood</c>).
/// The quoted datagrams inside the ICMP errors keep the partial checksum the kernel quoted.
/// </remarks>
internal static class CapturedPackets
{
    public static readonly IpAddr LoopbackV4 = IpAddr.Parse("127.0.0.1");
    public static readonly IpAddr LoopbackV6 = IpAddr.Parse("::1");

    /// <summary>UDP 47910 → 9999 "nvo3 udp vector" over IPv4 (id 0x7ebe, DF, TTL 64); checksum 0x50af by hand.</summary>
    public static readonly byte[] UdpV4 = Convert.FromHexString(
        "000000000000000000000000" + "0800" +
        "4500002b7ebe40004011be017f0000017f000001" +
        "bb26270f001750af" + "6e766f332075647020766563746f72");

    /// <summary>The kernel's ICMP port unreachable for the same datagram (TOS 0xc0, id 0x71d5), quoting it.</summary>
    public static readonly byte[] IcmpV4PortUnreachable = Convert.FromHexString(
        "000000000000000000000000" + "0800" +
        "45c0004771d5000040010a1f7f0000017f000001" +
        "03034dac00000000" +
        "4500002b7ebe40004011be017f0000017f000001" + "bb26270f0017fe2a" + "6e766f332075647020766563746f72");

    /// <summary>UDP 47383 → 9999 "nvo3 udp6 vector" over IPv6 (flow label 0x9d1f1); checksum 0x3d9a by hand.</summary>
    public static readonly byte[] UdpV6 = Convert.FromHexString(
        "000000000000000000000000" + "86dd" +
        "6009d1f10018114000000000000000000000000000000001" + "00000000000000000000000000000001" +
        "b917270f00183d9a" + "6e766f33207564703620766563746f72");

    /// <summary>The kernel's ICMPv6 port unreachable (code 4, flow label 0x20e3b), quoting the datagram.</summary>
    public static readonly byte[] IcmpV6PortUnreachable = Convert.FromHexString(
        "000000000000000000000000" + "86dd" +
        "60020e3b00483a4000000000000000000000000000000001" + "00000000000000000000000000000001" +
        "0104f8bc00000000" +
        "6009d1f10018114000000000000000000000000000000001" + "00000000000000000000000000000001" +
        "b917270f0018002b" + "6e766f33207564703620766563746f72");

    /// <summary>The kernel's RST/ACK from closed port 9 to 36840 over IPv4 (id 0, DF).</summary>
    public static readonly byte[] TcpV4Reset = Convert.FromHexString(
        "000000000000000000000000" + "0800" +
        "450000280000400040063cce7f0000017f000001" +
        "00098fe800000000f68447fa50140000e35d0000");

    /// <summary>
    /// A SYN 39902 → 9 over IPv6 (flow label 0x88eff) with MSS 65476, SACK-permitted, timestamps
    /// (0x4229ba73, 0), NOP and window scale 10; checksum 0x78c6 by hand.
    /// </summary>
    public static readonly byte[] TcpV6Syn = Convert.FromHexString(
        "000000000000000000000000" + "86dd" +
        "60088eff0028064000000000000000000000000000000001" + "00000000000000000000000000000001" +
        "9bde00098142bb9800000000a002ffc478c60000" + "0204ffc40402080a4229ba73000000000103030a");

    public static IReadOnlyList<byte[]> All => [UdpV4, IcmpV4PortUnreachable, UdpV6, IcmpV6PortUnreachable, TcpV4Reset, TcpV6Syn];
}
