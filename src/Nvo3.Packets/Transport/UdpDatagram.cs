using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>A view of a UDP datagram (RFC 768).</summary>
public readonly ref struct UdpDatagram
{
    /// <summary>Bytes of the header.</summary>
    public const int HeaderLength = 8;

    private readonly ReadOnlySpan<byte> _data;

    private UdpDatagram(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Reads a datagram; refuses a length field under 8 or over the data.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out UdpDatagram datagram, out PacketError error)
    {
        datagram = default;
        if (data.Length < HeaderLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        if (length < HeaderLength)
        {
            error = PacketError.BadLength;
            return false;
        }
        if (length > data.Length)
        {
            error = PacketError.Truncated;
            return false;
        }
        datagram = new UdpDatagram(data[..length]);
        error = PacketError.None;
        return true;
    }

    /// <summary>The datagram, header and payload.</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <summary>Source port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_data);

    /// <summary>Destination port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>Length of header and payload.</summary>
    public ushort Length => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>Checksum as sent (0 = none, IPv4 only).</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_data[6..]);

    /// <summary>The payload.</summary>
    public ReadOnlySpan<byte> Payload => _data[HeaderLength..];

    /// <summary>True when the checksum verifies, or is absent (0) over IPv4.</summary>
    public bool IsChecksumValid(IpAddr source, IpAddr destination) =>
        (Checksum == 0 && source.IsV4) || Packets.Checksum.VerifyTransport(source, destination, IpProtocol.Udp, _data);
}
