using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>A view of an ICMPv6 message (RFC 4443).</summary>
public readonly ref struct IcmpV6Packet
{
    /// <summary>Bytes of the header (type, code, checksum and the 4-byte rest).</summary>
    public const int HeaderLength = 8;

    /// <summary>Destination unreachable.</summary>
    public const byte TypeDestinationUnreachable = 1;
    /// <summary>Packet too big (RFC 4443 3.2).</summary>
    public const byte TypePacketTooBig = 2;
    /// <summary>Time exceeded.</summary>
    public const byte TypeTimeExceeded = 3;
    /// <summary>Echo request.</summary>
    public const byte TypeEchoRequest = 128;
    /// <summary>Echo reply.</summary>
    public const byte TypeEchoReply = 129;
    /// <summary>Router solicitation.</summary>
    public const byte TypeRouterSolicitation = 133;
    /// <summary>Router advertisement.</summary>
    public const byte TypeRouterAdvertisement = 134;
    /// <summary>Neighbor solicitation.</summary>
    public const byte TypeNeighborSolicitation = 135;
    /// <summary>Neighbor advertisement.</summary>
    public const byte TypeNeighborAdvertisement = 136;
    /// <summary>Multicast Listener Discovery: query, report (v1), done, report (v2) (RFC 2710, RFC 3810).</summary>
    public static bool IsMulticastListenerMessage(byte type) => type is 130 or 131 or 132 or 143;

    /// <summary>Destination unreachable code: address unreachable.</summary>
    public const byte CodeAddressUnreachable = 3;
    /// <summary>Time exceeded code: hop limit exceeded in transit.</summary>
    public const byte CodeHopLimitExceeded = 0;

    private readonly ReadOnlySpan<byte> _data;

    private IcmpV6Packet(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Reads a message of at least 8 bytes (4 are enough for the header; every type Nvo3 uses has 8).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out IcmpV6Packet packet, out PacketError error)
    {
        packet = default;
        if (data.Length < HeaderLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        packet = new IcmpV6Packet(data);
        error = PacketError.None;
        return true;
    }

    /// <summary>The whole message.</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <summary>Type.</summary>
    public byte Type => _data[0];

    /// <summary>Code.</summary>
    public byte Code => _data[1];

    /// <summary>Checksum as sent.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>Echo identifier.</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>Echo sequence number.</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_data[6..]);

    /// <summary>What follows the 8-byte header.</summary>
    public ReadOnlySpan<byte> Body => _data[HeaderLength..];

    /// <summary>The MTU of a packet too big (the rest of the header, 32 bits).</summary>
    public uint Mtu => BinaryPrimitives.ReadUInt32BigEndian(_data[4..]);

    /// <summary>True when the checksum verifies under the IPv6 pseudo-header.</summary>
    public bool IsChecksumValid(IpAddr source, IpAddr destination) =>
        Packets.Checksum.VerifyTransport(source, destination, IpProtocol.IcmpV6, _data);
}
