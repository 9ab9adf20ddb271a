using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// The virtio-net header (<c>struct virtio_net_hdr</c>, include/uapi/linux/virtio_net.h) that a
/// Linux TAP opened with <c>IFF_VNET_HDR</c> puts before every frame it hands over and expects
/// before every frame written to it: whether the frame is a TCP super-frame to be cut into
/// <see cref="GsoSize"/>-byte segments, and whether a checksum is left to compute.
/// </summary>
/// <remarks>
/// Ten bytes: flags, GSO type (its top bit is ECN), then four 16-bit fields. The 16-bit fields are
/// in the "virtio" byte order: little-endian for virtio 1.0, the host's own order for legacy virtio.
/// Linux's TAP uses the legacy rule (native order, little-endian on x86-64 and arm64) unless
/// <c>TUNSETVNETLE</c> forces little-endian; Nvo3's TAP sets it, so this type always reads and writes
/// little-endian. A TAP told <c>TUNSETVNETHDRSZ</c> 12 (the virtio 1.0 header with
/// <c>num_buffers</c>) still reads and writes only these ten bytes and skips the last two.
/// </remarks>
public readonly record struct VirtioNetHeader(
    VirtioNetFlags Flags,
    VirtioGsoType GsoType,
    bool Ecn,
    ushort HeaderLength,
    ushort GsoSize,
    ushort ChecksumStart,
    ushort ChecksumOffset)
{
    /// <summary>Bytes of <c>struct virtio_net_hdr</c>.</summary>
    public const int Length = 10;

    /// <summary>Bytes of the virtio 1.0 header (<c>struct virtio_net_hdr_v1</c>, with <c>num_buffers</c>): what Nvo3's TAP uses.</summary>
    public const int LengthV1 = 12;

    /// <summary>Where a TCP checksum lies after the start of the TCP header (<c>offsetof(struct tcphdr, check)</c>).</summary>
    public const ushort TcpChecksumOffset = 16;

    /// <summary>Where a UDP checksum lies after the start of the UDP header.</summary>
    public const ushort UdpChecksumOffset = 6;

    private const byte EcnBit = 0x80;
    private const VirtioNetFlags KnownFlags = VirtioNetFlags.NeedsChecksum | VirtioNetFlags.DataValid | VirtioNetFlags.RscInfo;

    /// <summary>The header of a plain frame: nothing to segment, no checksum left to compute.</summary>
    public static VirtioNetHeader None => default;

    /// <summary>True when the checksum from <see cref="ChecksumStart"/> is left to compute.</summary>
    public bool NeedsChecksum => (Flags & VirtioNetFlags.NeedsChecksum) != 0;

    /// <summary>True when the frame is a super-frame to segment.</summary>
    public bool IsGso => GsoType != VirtioGsoType.None;

    /// <summary>
    /// Reads a header. Refuses fewer than <see cref="Length"/> bytes (<see cref="PacketError.Truncated"/>),
    /// flag bits Linux does not define (<see cref="PacketError.BadFlags"/>), a GSO type it does not
    /// define (<see cref="PacketError.Unsupported"/>), and a GSO type with a zero segment size
    /// (<see cref="PacketError.BadField"/>, as Linux's <c>virtio_net_hdr_to_skb</c> does).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out VirtioNetHeader header, out PacketError error)
    {
        header = default;
        if (data.Length < Length)
        {
            error = PacketError.Truncated;
            return false;
        }
        var flags = (VirtioNetFlags)data[0];
        if ((flags & ~KnownFlags) != 0)
        {
            error = PacketError.BadFlags;
            return false;
        }
        var type = (VirtioGsoType)(data[1] & ~EcnBit);
        if (type is not (VirtioGsoType.None or VirtioGsoType.TcpV4 or VirtioGsoType.TcpV6 or VirtioGsoType.Udp or VirtioGsoType.UdpL4))
        {
            error = PacketError.Unsupported;
            return false;
        }
        ushort gsoSize = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (type != VirtioGsoType.None && gsoSize == 0)
        {
            error = PacketError.BadField;
            return false;
        }
        header = new VirtioNetHeader(flags, type, (data[1] & EcnBit) != 0,
            BinaryPrimitives.ReadUInt16LittleEndian(data[2..]), gsoSize,
            BinaryPrimitives.ReadUInt16LittleEndian(data[6..]), BinaryPrimitives.ReadUInt16LittleEndian(data[8..]));
        error = PacketError.None;
        return true;
    }

    /// <summary>
    /// Completes, in place, the checksum this header leaves to compute (<see cref="NeedsChecksum"/>
    /// without GSO), as a NIC would before sending <paramref name="frame"/>; does nothing when none is
    /// left. Refuses a super-frame (<see cref="OffloadRefusal.NeedsSegmentation"/>: segment it with
    /// <see cref="TcpSegmenter"/>) and a checksum field outside the frame
    /// (<see cref="OffloadRefusal.BadChecksumOffsets"/>), changing nothing.
    /// </summary>
    public bool TryCompleteChecksum(Span<byte> frame, out OffloadRefusal refusal)
    {
        if (IsGso)
        {
            refusal = OffloadRefusal.NeedsSegmentation;
            return false;
        }
        if (NeedsChecksum)
        {
            if (!ChecksumFieldWithin(frame.Length, 0))
            {
                refusal = OffloadRefusal.BadChecksumOffsets;
                return false;
            }
            Checksum.CompletePartial(frame, ChecksumStart, ChecksumOffset);
        }
        refusal = OffloadRefusal.None;
        return true;
    }

    /// <summary>True when the checksum field lies inside a frame of <paramref name="frameLength"/> bytes, at or after <paramref name="firstByte"/>.</summary>
    internal bool ChecksumFieldWithin(int frameLength, int firstByte) =>
        ChecksumStart >= firstByte && ChecksumStart + ChecksumOffset + sizeof(ushort) <= frameLength;

    /// <summary>
    /// Writes the header into the first <paramref name="length"/> bytes of <paramref name="destination"/>
    /// (<see cref="Length"/> or more; bytes past the ten, such as <c>num_buffers</c>, are zeroed); returns <paramref name="length"/>.
    /// </summary>
    public int Write(Span<byte> destination, int length = Length)
    {
        if (length < Length)
        {
            ThrowHelper.ThrowArgument(nameof(length), $"A virtio-net header has at least {Length} bytes.");
        }
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooShort(length, destination.Length);
        }
        destination[0] = (byte)Flags;
        destination[1] = (byte)((byte)GsoType | (Ecn ? EcnBit : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], ChecksumOffset);
        destination[Length..length].Clear();
        return length;
    }
}
