using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>Writes TCP headers.</summary>
public static class TcpWriter
{
    /// <summary>
    /// Writes a TCP header with <paramref name="options"/> (padded to a multiple of 4 with zero
    /// bytes, that is end-of-list) in front of <paramref name="payloadLength"/> payload bytes the
    /// caller has already placed after the header, and fills the checksum; returns the header length.
    /// </summary>
    public static int WriteHeader(Span<byte> segment, ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment,
        TcpFlags flags, ushort window, ReadOnlySpan<byte> options, int payloadLength, IpAddr source, IpAddr destination)
    {
        int optionLength = (options.Length + 3) & ~3;
        int headerLength = TcpSegment.MinHeaderLength + optionLength;
        if (headerLength > 60)
        {
            ThrowHelper.ThrowArgument(nameof(options), "TCP options hold at most 40 bytes.");
        }
        int total = headerLength + payloadLength;
        if (segment.Length < total)
        {
            ThrowHelper.ThrowDestinationTooShort(total, segment.Length);
        }
        BinaryPrimitives.WriteUInt16BigEndian(segment, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(segment[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(segment[8..], acknowledgment);
        segment[12] = (byte)((headerLength / 4) << 4);
        segment[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(segment[14..], window);
        BinaryPrimitives.WriteUInt32BigEndian(segment[16..], 0); // checksum and urgent pointer
        options.CopyTo(segment[TcpSegment.MinHeaderLength..]);
        segment[(TcpSegment.MinHeaderLength + options.Length)..headerLength].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], Checksum.ComputeTransport(source, destination, IpProtocol.Tcp, segment[..total]));
        return headerLength;
    }
}
