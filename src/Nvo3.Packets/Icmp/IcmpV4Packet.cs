using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>A view of an ICMP message for IPv4 (RFC 792).</summary>
public readonly ref struct IcmpV4Packet
{
    /// <summary>Bytes of the header (type, code, checksum and the 4-byte rest).</summary>
    public const int HeaderLength = 8;

    /// <summary>Echo reply.</summary>
    public const byte TypeEchoReply = 0;
    /// <summary>Destination unreachable.</summary>
    public const byte TypeDestinationUnreachable = 3;
    /// <summary>Echo request.</summary>
    public const byte TypeEchoRequest = 8;
    /// <summary>Time exceeded.</summary>
    public const byte TypeTimeExceeded = 11;
    /// <summary>Destination unreachable code: host unreachable.</summary>
    public const byte CodeHostUnreachable = 1;
    /// <summary>Time exceeded code: TTL exceeded in transit.</summary>
    public const byte CodeTtlExceeded = 0;
    /// <summary>Destination unreachable code: fragmentation needed and DF set (RFC 792; the next-hop MTU per RFC 1191).</summary>
    public const byte CodeFragmentationNeeded = 4;

    private readonly ReadOnlySpan<byte> _data;

    private IcmpV4Packet(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Reads a message of at least 8 bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out IcmpV4Packet packet, out PacketError error)
    {
        packet = default;
        if (data.Length < HeaderLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        packet = new IcmpV4Packet(data);
        error = PacketError.None;
        return true;
    }

    /// <summary>Type.</summary>
    public byte Type => _data[0];

    /// <summary>Code.</summary>
    public byte Code => _data[1];

    /// <summary>Checksum as sent.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>True when the checksum over the whole message verifies.</summary>
    public bool IsChecksumValid => Packets.Checksum.Verify(_data);

    /// <summary>Echo identifier.</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>Echo sequence number.</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_data[6..]);

    /// <summary>The next-hop MTU of a "fragmentation needed" (RFC 1191: the low 16 bits of the rest of the header).</summary>
    public ushort NextHopMtu => BinaryPrimitives.ReadUInt16BigEndian(_data[6..]);

    /// <summary>What follows the header: echo data, or the quoted original datagram of an error.</summary>
    public ReadOnlySpan<byte> Body => _data[HeaderLength..];
}
