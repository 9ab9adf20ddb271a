using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// The fields a router reads from an IP packet of either version without parsing it whole: its
/// version, addresses and length. The caller has checked the packet (an <see cref="IPv4Packet"/>
/// or <see cref="IPv6Packet"/> parsed it) or built it.
/// </summary>
public static class IpHeader
{
    private const int V4SourceOffset = 12;
    private const int V4DestinationOffset = 16;
    private const int V4TotalLengthOffset = 2;
    private const int V4ProtocolOffset = 9;
    private const int V6PayloadLengthOffset = 4;
    private const int V6NextHeaderOffset = 6;
    private const int V6SourceOffset = 8;
    private const int V6DestinationOffset = 24;

    /// <summary>True when the packet is IPv6 (its version nibble is 6).</summary>
    public static bool IsV6(ReadOnlySpan<byte> packet) => packet[0] >> 4 == 6;

    /// <summary>The Ethernet type that carries this packet.</summary>
    public static ushort EtherTypeOf(ReadOnlySpan<byte> packet) => IsV6(packet) ? EtherType.IPv6 : EtherType.IPv4;

    /// <summary>The source address.</summary>
    public static IpAddr Source(ReadOnlySpan<byte> packet) =>
        IsV6(packet) ? IpAddr.ReadV6(packet[V6SourceOffset..]) : IpAddr.ReadV4(packet[V4SourceOffset..]);

    /// <summary>The destination address.</summary>
    public static IpAddr Destination(ReadOnlySpan<byte> packet) =>
        IsV6(packet) ? IpAddr.ReadV6(packet[V6DestinationOffset..]) : IpAddr.ReadV4(packet[V4DestinationOffset..]);

    /// <summary>The length the header gives the whole packet (IPv4 total length; IPv6 40 + payload length).</summary>
    public static int TotalLength(ReadOnlySpan<byte> packet) => IsV6(packet)
        ? IPv6Packet.HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[V6PayloadLengthOffset..])
        : BinaryPrimitives.ReadUInt16BigEndian(packet[V4TotalLengthOffset..]);

    /// <summary>
    /// True when the packet is an ICMP or ICMPv6 error message, which no router may answer with
    /// another error (RFC 1122 3.2.2, RFC 4443 2.4): ICMPv6 types below 128, ICMPv4 types other
    /// than echo request and reply.
    /// </summary>
    public static bool IsIcmpError(ReadOnlySpan<byte> packet)
    {
        if (IsV6(packet))
        {
            return packet.Length > IPv6Packet.HeaderLength && packet[V6NextHeaderOffset] == IpProtocol.IcmpV6
                && packet[IPv6Packet.HeaderLength] < IcmpV6Packet.TypeEchoRequest;
        }
        int header = (packet[0] & 0x0F) * 4;
        return packet.Length > header && packet[V4ProtocolOffset] == IpProtocol.Icmp
            && packet[header] is not (IcmpV4Packet.TypeEchoRequest or IcmpV4Packet.TypeEchoReply);
    }
}
