using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>Writes IPv4 headers (without options).</summary>
public static class IPv4Writer
{
    /// <summary>
    /// Writes a 20-byte header with its checksum for a payload of <paramref name="payloadLength"/>
    /// bytes that the caller writes after it; returns 20.
    /// </summary>
    public static int WriteHeader(Span<byte> destination, IpAddr source, IpAddr target, byte protocol, int payloadLength,
        byte ttl = 64, ushort identification = 0, bool dontFragment = true, byte typeOfService = 0)
    {
        if (destination.Length < IPv4Packet.MinHeaderLength)
        {
            ThrowHelper.ThrowDestinationTooShort(IPv4Packet.MinHeaderLength, destination.Length);
        }
        if (!source.IsV4 || !target.IsV4)
        {
            ThrowHelper.ThrowArgument(nameof(source), "An IPv4 header takes IPv4 addresses.");
        }
        int total = IPv4Packet.MinHeaderLength + payloadLength;
        if (payloadLength < 0 || total > ushort.MaxValue)
        {
            ThrowHelper.ThrowArgument(nameof(payloadLength), "An IPv4 packet holds at most 65535 bytes.");
        }
        var h = destination[..IPv4Packet.MinHeaderLength];
        h[0] = 0x45;
        h[1] = typeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)total);
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        h[8] = ttl;
        h[9] = protocol;
        h[10] = 0;
        h[11] = 0;
        source.WriteTo(h[12..]);
        target.WriteTo(h[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], Checksum.Compute(h));
        return IPv4Packet.MinHeaderLength;
    }
}
