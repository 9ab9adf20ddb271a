using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// The 8-byte VXLAN-GPE header (draft-ietf-nvo3-vxlan-gpe): flags (version 0, I, P, B, O), 16
/// reserved bits, the next protocol, the 24-bit VNI, 8 reserved bits. Carried in UDP to port
/// 4790; lets a Layer-3 overlay carry IPv4 or IPv6 without an inner Ethernet header.
/// </summary>
public readonly ref struct VxlanGpeHeader
{
    /// <summary>Bytes of the header.</summary>
    public const int Length = 8;

    /// <summary>The IANA UDP port.</summary>
    public const ushort UdpPort = 4790;

    /// <summary>I: the VNI is valid.</summary>
    public const byte FlagI = 0x08;
    /// <summary>P: the next-protocol field is present.</summary>
    public const byte FlagP = 0x04;
    /// <summary>B: a broadcast, unknown-unicast or multicast packet.</summary>
    public const byte FlagB = 0x02;
    /// <summary>O: an OAM packet.</summary>
    public const byte FlagO = 0x01;

    private const byte VersionMask = 0x30;
    private const byte ReservedFlagMask = 0xC0;

    private readonly ReadOnlySpan<byte> _data;

    private VxlanGpeHeader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>
    /// Reads a header. Refuses a version other than 0, reserved flag or field bits set, a missing
    /// I or P flag, and a next protocol other than IPv4, IPv6 or Ethernet.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> udpPayload, out VxlanGpeHeader header, out PacketError error)
    {
        header = default;
        if (udpPayload.Length < Length)
        {
            error = PacketError.Truncated;
            return false;
        }
        byte flags = udpPayload[0];
        if ((flags & VersionMask) != 0)
        {
            error = PacketError.BadVersion;
            return false;
        }
        if ((flags & ReservedFlagMask) != 0 || (flags & (FlagI | FlagP)) != (FlagI | FlagP) || udpPayload[1] != 0 || udpPayload[2] != 0 || udpPayload[7] != 0)
        {
            error = PacketError.BadFlags;
            return false;
        }
        if ((GpeNextProtocol)udpPayload[3] is not (GpeNextProtocol.IPv4 or GpeNextProtocol.IPv6 or GpeNextProtocol.Ethernet))
        {
            error = PacketError.Unsupported;
            return false;
        }
        header = new VxlanGpeHeader(udpPayload);
        error = PacketError.None;
        return true;
    }

    /// <summary>The flags byte.</summary>
    public byte Flags => _data[0];

    /// <summary>What follows the header.</summary>
    public GpeNextProtocol NextProtocol => (GpeNextProtocol)_data[3];

    /// <summary>The VXLAN network identifier.</summary>
    public uint Vni => BinaryPrimitives.ReadUInt32BigEndian(_data[4..]) >> 8;

    /// <summary>The encapsulated packet or frame.</summary>
    public ReadOnlySpan<byte> Inner => _data[Length..];

    /// <summary>Writes a header (version 0, I and P set, plus <paramref name="extraFlags"/> B/O); returns 8.</summary>
    public static int Write(Span<byte> destination, uint vni, GpeNextProtocol nextProtocol, byte extraFlags = 0)
    {
        if (destination.Length < Length)
        {
            ThrowHelper.ThrowDestinationTooShort(Length, destination.Length);
        }
        if (vni > VxlanHeader.MaxVni)
        {
            ThrowHelper.ThrowArgument(nameof(vni), "A VNI has 24 bits (0 to 16777215).");
        }
        if ((extraFlags & ~(FlagB | FlagO)) != 0)
        {
            ThrowHelper.ThrowArgument(nameof(extraFlags), "Only the B and O flags may be added.");
        }
        destination[0] = (byte)(FlagI | FlagP | extraFlags);
        destination[1] = 0;
        destination[2] = 0;
        destination[3] = (byte)nextProtocol;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], vni << 8);
        return Length;
    }
}
