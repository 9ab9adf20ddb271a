using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// The 8-byte VXLAN header (RFC 7348): flags with the I bit, 24 reserved bits, the 24-bit VNI,
/// 8 reserved bits. Carried in UDP to port 4789; an Ethernet frame (without FCS) follows.
/// </summary>
public readonly ref struct VxlanHeader
{
    /// <summary>Bytes of the header.</summary>
    public const int Length = 8;

    /// <summary>The IANA UDP port.</summary>
    public const ushort UdpPort = 4789;

    /// <summary>The I flag: the VNI is valid.</summary>
    public const byte FlagI = 0x08;

    /// <summary>The largest VNI (24 bits).</summary>
    public const uint MaxVni = 0xFF_FFFF;

    /// <summary>
    /// Outer bytes a VXLAN packet adds to the inner frame over an IPv4 underlay (20 + 8 + 8),
    /// not counting the outer Ethernet header.
    /// </summary>
    public const int OverheadIPv4 = IPv4Packet.MinHeaderLength + UdpDatagram.HeaderLength + Length;

    private readonly ReadOnlySpan<byte> _data;

    private VxlanHeader(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>
    /// Reads a header from the UDP payload. Refuses a missing I flag and any reserved bit set:
    /// Nvo3 sends them as zero and a sender that sets them speaks an extension (GBP, GPE) it does
    /// not know.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> udpPayload, out VxlanHeader header, out PacketError error)
    {
        header = default;
        if (udpPayload.Length < Length)
        {
            error = PacketError.Truncated;
            return false;
        }
        if (udpPayload[0] != FlagI || udpPayload[1] != 0 || udpPayload[2] != 0 || udpPayload[3] != 0 || udpPayload[7] != 0)
        {
            error = PacketError.BadFlags;
            return false;
        }
        header = new VxlanHeader(udpPayload);
        error = PacketError.None;
        return true;
    }

    /// <summary>The VXLAN network identifier.</summary>
    public uint Vni => BinaryPrimitives.ReadUInt32BigEndian(_data[4..]) >> 8;

    /// <summary>The encapsulated frame.</summary>
    public ReadOnlySpan<byte> Inner => _data[Length..];

    /// <summary>Writes a header for <paramref name="vni"/>: I flag set, reserved bits zero; returns 8.</summary>
    public static int Write(Span<byte> destination, uint vni)
    {
        if (destination.Length < Length)
        {
            ThrowHelper.ThrowDestinationTooShort(Length, destination.Length);
        }
        if (vni > MaxVni)
        {
            ThrowHelper.ThrowArgument(nameof(vni), "A VNI has 24 bits (0 to 16777215).");
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)FlagI << 24);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], vni << 8);
        return Length;
    }
}
