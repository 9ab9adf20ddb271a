using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>What a router does to a packet it forwards (RFC 791, RFC 8200, RFC 1812 5.3.1).</summary>
public static class IpForwarding
{
    /// <summary>
    /// Takes one from the IPv4 TTL (updating the header checksum incrementally, RFC 1624) or the
    /// IPv6 hop limit of <paramref name="packet"/>. Returns false, and changes nothing, when the
    /// packet may not be forwarded: its TTL or hop limit is 0 or 1, or it is not an IP packet.
    /// </summary>
    public static bool TryDecrementHopLimit(Span<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return false;
        }
        switch (packet[0] >> 4)
        {
            case 4:
                if (packet.Length < IPv4Packet.MinHeaderLength || packet[8] <= 1)
                {
                    return false;
                }
                ushort before = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
                packet[8]--;
                ushort after = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
                ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
                BinaryPrimitives.WriteUInt16BigEndian(packet[10..], Checksum.Update(checksum, before, after));
                return true;
            case 6:
                if (packet.Length < IPv6Packet.HeaderLength || packet[7] <= 1)
                {
                    return false;
                }
                packet[7]--;
                return true;
            default:
                return false;
        }
    }
}
