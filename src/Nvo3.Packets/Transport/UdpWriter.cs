using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>Writes UDP headers and whole UDP frames.</summary>
public static class UdpWriter
{
    /// <summary>
    /// Writes the 8-byte header for a payload of <paramref name="payloadLength"/> bytes already in
    /// place after it, and fills the checksum under the given pseudo-header; returns 8.
    /// </summary>
    public static int WriteHeader(Span<byte> datagram, ushort sourcePort, ushort destinationPort, int payloadLength, IpAddr source, IpAddr destination)
    {
        int length = UdpDatagram.HeaderLength + payloadLength;
        if (datagram.Length < length)
        {
            ThrowHelper.ThrowDestinationTooShort(length, datagram.Length);
        }
        if (length > ushort.MaxValue)
        {
            ThrowHelper.ThrowArgument(nameof(payloadLength), "A UDP datagram holds at most 65535 bytes.");
        }
        BinaryPrimitives.WriteUInt16BigEndian(datagram, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[4..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], Checksum.ComputeTransport(source, destination, IpProtocol.Udp, datagram[..length]));
        return UdpDatagram.HeaderLength;
    }

    /// <summary>
    /// Writes a whole Ethernet + IPv4/IPv6 + UDP frame around <paramref name="payload"/>, padded to
    /// 60 bytes; returns its length. The IP family follows the addresses.
    /// </summary>
    public static int WriteFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source, IpAddr target,
        ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload, byte ttl = 64)
    {
        int ipHeader = source.IsV6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;
        int needed = EthernetFrame.HeaderLength + ipHeader + UdpDatagram.HeaderLength + payload.Length;
        if (destination.Length < Math.Max(needed, EthernetFrame.MinimumFrameLength))
        {
            ThrowHelper.ThrowDestinationTooShort(Math.Max(needed, EthernetFrame.MinimumFrameLength), destination.Length);
        }
        int at = EthernetWriter.Write(destination, ethDst, ethSrc, source.IsV6 ? EtherType.IPv6 : EtherType.IPv4);
        int udpLength = UdpDatagram.HeaderLength + payload.Length;
        at += source.IsV6
            ? IPv6Writer.WriteHeader(destination[at..], source, target, IpProtocol.Udp, udpLength, ttl)
            : IPv4Writer.WriteHeader(destination[at..], source, target, IpProtocol.Udp, udpLength, ttl);
        payload.CopyTo(destination[(at + UdpDatagram.HeaderLength)..]);
        WriteHeader(destination[at..], sourcePort, destinationPort, payload.Length, source, target);
        return EthernetWriter.Pad(destination, at + udpLength);
    }
}
