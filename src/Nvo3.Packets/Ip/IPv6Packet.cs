using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// A view of an IPv6 packet (RFC 8200). Extension headers are not walked: <see cref="NextHeader"/>
/// is the first next-header value.
/// </summary>
public readonly ref struct IPv6Packet
{
    /// <summary>Bytes of the fixed header.</summary>
    public const int HeaderLength = 40;

    private readonly ReadOnlySpan<byte> _data;

    private IPv6Packet(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>
    /// Reads an IPv6 packet; refuses a version other than 6 and a payload length longer than the
    /// data. Bytes beyond the payload length (Ethernet padding) are ignored.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out IPv6Packet packet, out PacketError error)
    {
        packet = default;
        if (data.Length < HeaderLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        if (data[0] >> 4 != 6)
        {
            error = PacketError.BadVersion;
            return false;
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        if (HeaderLength + payloadLength > data.Length)
        {
            error = PacketError.Truncated;
            return false;
        }
        packet = new IPv6Packet(data[..(HeaderLength + payloadLength)]);
        error = PacketError.None;
        return true;
    }

    /// <summary>The packet, header and payload.</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <summary>Traffic class.</summary>
    public byte TrafficClass => (byte)((BinaryPrimitives.ReadUInt16BigEndian(_data) >> 4) & 0xFF);

    /// <summary>Flow label (20 bits).</summary>
    public uint FlowLabel => BinaryPrimitives.ReadUInt32BigEndian(_data) & 0xF_FFFF;

    /// <summary>Payload length in bytes.</summary>
    public ushort PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>The first next-header value.</summary>
    public byte NextHeader => _data[6];

    /// <summary>Hop limit.</summary>
    public byte HopLimit => _data[7];

    /// <summary>Source address.</summary>
    public IpAddr Source => IpAddr.ReadV6(_data[8..]);

    /// <summary>Destination address.</summary>
    public IpAddr Destination => IpAddr.ReadV6(_data[24..]);

    /// <summary>The payload.</summary>
    public ReadOnlySpan<byte> Payload => _data[HeaderLength..];
}
