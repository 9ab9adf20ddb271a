using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>Writes IPv6 fixed headers.</summary>
public static class IPv6Writer
{
    /// <summary>Writes the 40-byte header for a payload the caller writes after it; returns 40.</summary>
    public static int WriteHeader(Span<byte> destination, IpAddr source, IpAddr target, byte nextHeader, int payloadLength,
        byte hopLimit = 64, byte trafficClass = 0, uint flowLabel = 0)
    {
        if (destination.Length < IPv6Packet.HeaderLength)
        {
            ThrowHelper.ThrowDestinationTooShort(IPv6Packet.HeaderLength, destination.Length);
        }
        if (!source.IsV6 || !target.IsV6)
        {
            ThrowHelper.ThrowArgument(nameof(source), "An IPv6 header takes IPv6 addresses.");
        }
        if (payloadLength < 0 || payloadLength > ushort.MaxValue)
        {
            ThrowHelper.ThrowArgument(nameof(payloadLength), "An IPv6 payload (without jumbograms) holds at most 65535 bytes.");
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination, (6u << 28) | ((uint)trafficClass << 20) | (flowLabel & 0xF_FFFF));
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)payloadLength);
        destination[6] = nextHeader;
        destination[7] = hopLimit;
        source.WriteTo(destination[8..]);
        target.WriteTo(destination[24..]);
        return IPv6Packet.HeaderLength;
    }
}
