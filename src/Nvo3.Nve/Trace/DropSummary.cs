using System.Buffers.Binary;
using System.Globalization;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// A traced drop decoded for people and scripts (<c>nvo3 nve trace</c>): why, when, and the headers
/// its first bytes show. Fields a drop did not have (no frame at hand, a header cut short) are null.
/// </summary>
/// <param name="Time">When it was dropped.</param>
/// <param name="Reason">Why.</param>
/// <param name="Vni">Its network (0 when unknown).</param>
/// <param name="Length">Its length in bytes as dropped (0 when the drop site had no frame).</param>
/// <param name="Count">How many frames it stands for.</param>
/// <param name="Sender">The underlay address it came from, for an underlay datagram.</param>
/// <param name="SourceMac">The inner Ethernet source.</param>
/// <param name="DestinationMac">The inner Ethernet destination.</param>
/// <param name="EtherType">ipv4, ipv6, arp, rarp, or 0xNNNN.</param>
/// <param name="SourceIp">The inner IP source (for ARP, the sender's protocol address).</param>
/// <param name="DestinationIp">The inner IP destination (for ARP, the target's).</param>
/// <param name="Protocol">icmp, tcp, udp, icmpv6, or the number.</param>
public sealed record DropSummary(DateTimeOffset Time, DropReason Reason, uint Vni, int Length, int Count, string? Sender,
    string? SourceMac, string? DestinationMac, string? EtherType, string? SourceIp, string? DestinationIp, string? Protocol)
{
    // VXLAN-GPE's P flag: a next-protocol byte says what follows (RFC 7348 leaves it zero).
    private const byte GpeFlagP = 0x04;
    private const int ArpSenderIpOffset = 14;
    private const int ArpTargetIpOffset = 24;

    /// <summary>Decodes what the tap copied.</summary>
    public static DropSummary From(in DroppedFrame frame)
    {
        ReadOnlySpan<byte> bytes = frame.Bytes;
        bytes = bytes[..frame.Captured];
        var summary = new DropSummary(new DateTimeOffset(frame.UtcTicks, TimeSpan.Zero), frame.Reason, frame.Vni, frame.Length, frame.Count,
            frame.HasSender ? frame.Sender.ToString() : null, null, null, null, null, null, null);
        return frame.Layer switch
        {
            DropLayer.Underlay => summary.Underlay(bytes),
            DropLayer.Ethernet => summary.Ethernet(bytes),
            DropLayer.Ip => summary.Ip(bytes),
            _ => summary,
        };
    }

    private DropSummary Underlay(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < VxlanHeader.Length)
        {
            return this;
        }
        var withVni = this with { Vni = BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]) >> 8 };
        var inner = bytes[VxlanHeader.Length..];
        bool gpe = (bytes[0] & GpeFlagP) != 0;
        return !gpe || bytes[3] == (byte)GpeNextProtocol.Ethernet ? withVni.Ethernet(inner) : withVni.Ip(inner);
    }

    private DropSummary Ethernet(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < EthernetFrame.HeaderLength)
        {
            return this;
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(bytes[12..]);
        int payload = EthernetFrame.HeaderLength;
        if (type == Packets.EtherType.Vlan && bytes.Length >= EthernetFrame.TaggedHeaderLength)
        {
            type = BinaryPrimitives.ReadUInt16BigEndian(bytes[16..]);
            payload = EthernetFrame.TaggedHeaderLength;
        }
        var named = this with
        {
            DestinationMac = new MacAddress(bytes).ToString(),
            SourceMac = new MacAddress(bytes[6..]).ToString(),
            EtherType = type switch
            {
                Packets.EtherType.IPv4 => "ipv4",
                Packets.EtherType.IPv6 => "ipv6",
                Packets.EtherType.Arp => "arp",
                Packets.EtherType.Rarp => "rarp",
                _ => "0x" + type.ToString("x4", CultureInfo.InvariantCulture),
            },
        };
        var rest = bytes[payload..];
        if (type is Packets.EtherType.Arp or Packets.EtherType.Rarp && rest.Length >= ArpTargetIpOffset + 4)
        {
            return named with { SourceIp = IpAddr.ReadV4(rest[ArpSenderIpOffset..]).ToString(), DestinationIp = IpAddr.ReadV4(rest[ArpTargetIpOffset..]).ToString() };
        }
        return type is Packets.EtherType.IPv4 or Packets.EtherType.IPv6 ? named.Ip(rest) : named;
    }

    private DropSummary Ip(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= IPv4Packet.MinHeaderLength && bytes[0] >> 4 == 4)
        {
            return this with { SourceIp = IpAddr.ReadV4(bytes[12..]).ToString(), DestinationIp = IpAddr.ReadV4(bytes[16..]).ToString(), Protocol = ProtocolName(bytes[9]) };
        }
        if (bytes.Length >= IPv6Packet.HeaderLength && bytes[0] >> 4 == 6)
        {
            return this with { SourceIp = IpAddr.ReadV6(bytes[8..]).ToString(), DestinationIp = IpAddr.ReadV6(bytes[24..]).ToString(), Protocol = ProtocolName(bytes[6]) };
        }
        return this;
    }

    private static string ProtocolName(byte protocol) => protocol switch
    {
        IpProtocol.Icmp => "icmp",
        IpProtocol.Tcp => "tcp",
        IpProtocol.Udp => "udp",
        IpProtocol.IcmpV6 => "icmpv6",
        _ => protocol.ToString(CultureInfo.InvariantCulture),
    };
}
