using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// The outer UDP source port of a tunnelled packet, from a hash of its inner flow (RFC 7348
/// section 5, RFC 8086): packets of one flow take one underlay path under ECMP, and flows spread.
/// </summary>
public static class FlowHash
{
    /// <summary>The lowest source port used: the start of the dynamic range.</summary>
    public const ushort MinPort = 49152;

    /// <summary>The source port for an inner Ethernet frame: hash of MACs, EtherType, IP addresses, protocol and ports.</summary>
    public static ushort ForEthernet(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthernetFrame.HeaderLength)
        {
            return MinPort;
        }
        ulong h = Mix(0x9E37_79B9_7F4A_7C15UL, BinaryPrimitives.ReadUInt64BigEndian(frame) ^ ((ulong)BinaryPrimitives.ReadUInt32BigEndian(frame[8..]) << 16));
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        h = Mix(h, type);
        return ToPort(HashIp(h, type, frame[EthernetFrame.HeaderLength..]));
    }

    /// <summary>The source port for an inner IP packet (VXLAN-GPE): hash of addresses, protocol and ports.</summary>
    public static ushort ForIp(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return MinPort;
        }
        ushort type = packet[0] >> 4 == 6 ? EtherType.IPv6 : EtherType.IPv4;
        return ToPort(HashIp(0x9E37_79B9_7F4A_7C15UL, type, packet));
    }

    private static ulong HashIp(ulong h, ushort etherType, ReadOnlySpan<byte> ip)
    {
        int l4;
        byte protocol;
        if (etherType == EtherType.IPv4 && ip.Length >= IPv4Packet.MinHeaderLength)
        {
            h = Mix(h, BinaryPrimitives.ReadUInt64BigEndian(ip[12..]));
            protocol = ip[9];
            l4 = (ip[0] & 0xF) * 4;
        }
        else if (etherType == EtherType.IPv6 && ip.Length >= IPv6Packet.HeaderLength)
        {
            h = Mix(h, BinaryPrimitives.ReadUInt64BigEndian(ip[8..]));
            h = Mix(h, BinaryPrimitives.ReadUInt64BigEndian(ip[16..]));
            h = Mix(h, BinaryPrimitives.ReadUInt64BigEndian(ip[24..]));
            h = Mix(h, BinaryPrimitives.ReadUInt64BigEndian(ip[32..]));
            protocol = ip[6];
            l4 = IPv6Packet.HeaderLength;
        }
        else
        {
            return h;
        }
        h = Mix(h, protocol);
        if ((protocol == IpProtocol.Tcp || protocol == IpProtocol.Udp) && ip.Length >= l4 + 4)
        {
            h = Mix(h, BinaryPrimitives.ReadUInt32BigEndian(ip[l4..]));
        }
        return h;
    }

    private static ulong Mix(ulong h, ulong value)
    {
        h ^= value;
        h *= 0xFF51_AFD7_ED55_8CCDUL;
        return h ^ (h >> 33);
    }

    private static ushort ToPort(ulong h) => (ushort)(MinPort + (int)((h ^ (h >> 32)) % (65536 - MinPort)));
}
