using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>Writes Ethernet II headers into a caller's buffer.</summary>
public static class EthernetWriter
{
    /// <summary>Writes an untagged header; returns 14.</summary>
    public static int Write(Span<byte> destination, MacAddress dst, MacAddress src, ushort etherType)
    {
        if (destination.Length < EthernetFrame.HeaderLength)
        {
            ThrowHelper.ThrowDestinationTooShort(EthernetFrame.HeaderLength, destination.Length);
        }
        dst.WriteTo(destination);
        src.WriteTo(destination[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], etherType);
        return EthernetFrame.HeaderLength;
    }

    /// <summary>Writes an 802.1Q-tagged header; returns 18.</summary>
    public static int WriteTagged(Span<byte> destination, MacAddress dst, MacAddress src, ushort vlanId, byte priority, ushort etherType)
    {
        if (destination.Length < EthernetFrame.TaggedHeaderLength)
        {
            ThrowHelper.ThrowDestinationTooShort(EthernetFrame.TaggedHeaderLength, destination.Length);
        }
        if (vlanId > 0x0FFF || priority > 7)
        {
            ThrowHelper.ThrowArgument(nameof(vlanId), "A VLAN id has 12 bits and a priority 3.");
        }
        dst.WriteTo(destination);
        src.WriteTo(destination[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], EtherType.Vlan);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], (ushort)((priority << 13) | vlanId));
        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], etherType);
        return EthernetFrame.TaggedHeaderLength;
    }

    /// <summary>
    /// Zero-pads a frame of <paramref name="length"/> bytes to the 60-byte minimum; returns the
    /// padded length. A short frame needs a buffer of at least 60 bytes.
    /// </summary>
    public static int Pad(Span<byte> frame, int length)
    {
        if (length >= EthernetFrame.MinimumFrameLength)
        {
            return length;
        }
        if (frame.Length < EthernetFrame.MinimumFrameLength)
        {
            ThrowHelper.ThrowDestinationTooShort(EthernetFrame.MinimumFrameLength, frame.Length);
        }
        frame[length..EthernetFrame.MinimumFrameLength].Clear();
        return EthernetFrame.MinimumFrameLength;
    }
}
