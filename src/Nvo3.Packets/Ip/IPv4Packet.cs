using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>A view of an IPv4 packet (RFC 791). The payload ends where the total length says.</summary>
public readonly ref struct IPv4Packet
{
    /// <summary>Bytes of a header without options.</summary>
    public const int MinHeaderLength = 20;

    private readonly ReadOnlySpan<byte> _data;

    private IPv4Packet(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>
    /// Reads an IPv4 packet. Refuses a version other than 4, a header length under 20 bytes, a
    /// total length shorter than the header or longer than the data. Trailing bytes beyond the
    /// total length (Ethernet padding) are ignored. The header checksum is not verified here; see
    /// <see cref="IsHeaderChecksumValid"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out IPv4Packet packet, out PacketError error)
    {
        packet = default;
        if (data.Length < MinHeaderLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        if (data[0] >> 4 != 4)
        {
            error = PacketError.BadVersion;
            return false;
        }
        int headerLength = (data[0] & 0xF) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if (headerLength < MinHeaderLength || totalLength < headerLength)
        {
            error = PacketError.BadLength;
            return false;
        }
        if (totalLength > data.Length)
        {
            error = PacketError.Truncated;
            return false;
        }
        packet = new IPv4Packet(data[..totalLength]);
        error = PacketError.None;
        return true;
    }

    /// <summary>The packet, header and payload, up to its total length.</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <summary>Header length in bytes.</summary>
    public int HeaderLength => (_data[0] & 0xF) * 4;

    /// <summary>Differentiated services code point and ECN (the old TOS byte).</summary>
    public byte TypeOfService => _data[1];

    /// <summary>Total length in bytes.</summary>
    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);

    /// <summary>Identification.</summary>
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_data[4..]);

    /// <summary>Don't-fragment flag.</summary>
    public bool DontFragment => (_data[6] & 0x40) != 0;

    /// <summary>More-fragments flag.</summary>
    public bool MoreFragments => (_data[6] & 0x20) != 0;

    /// <summary>Fragment offset in 8-byte units.</summary>
    public ushort FragmentOffset => (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_data[6..]) & 0x1FFF);

    /// <summary>True for any fragment but an unfragmented packet.</summary>
    public bool IsFragment => MoreFragments || FragmentOffset != 0;

    /// <summary>Time to live.</summary>
    public byte Ttl => _data[8];

    /// <summary>Protocol of the payload.</summary>
    public byte Protocol => _data[9];

    /// <summary>Header checksum as sent.</summary>
    public ushort HeaderChecksum => BinaryPrimitives.ReadUInt16BigEndian(_data[10..]);

    /// <summary>True when the header checksum verifies.</summary>
    public bool IsHeaderChecksumValid => Checksum.Verify(_data[..HeaderLength]);

    /// <summary>Source address.</summary>
    public IpAddr Source => IpAddr.ReadV4(_data[12..]);

    /// <summary>Destination address.</summary>
    public IpAddr Destination => IpAddr.ReadV4(_data[16..]);

    /// <summary>The header.</summary>
    public ReadOnlySpan<byte> Header => _data[..HeaderLength];

    /// <summary>The payload, up to the total length.</summary>
    public ReadOnlySpan<byte> Payload => _data[HeaderLength..];
}
