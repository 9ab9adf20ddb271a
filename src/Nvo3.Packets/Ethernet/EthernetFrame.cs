using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// A view of an Ethernet II frame (without FCS), with an optional 802.1Q tag.
/// </summary>
public readonly ref struct EthernetFrame
{
    /// <summary>Bytes of an untagged header.</summary>
    public const int HeaderLength = 14;

    /// <summary>Bytes of an 802.1Q-tagged header.</summary>
    public const int TaggedHeaderLength = 18;

    /// <summary>The smallest frame on the wire without FCS; shorter frames are padded to it.</summary>
    public const int MinimumFrameLength = 60;

    private const int DestinationOffset = 0;
    private const int SourceOffset = 6;
    private const int TypeOffset = 12;
    private const int TciOffset = 14;

    private readonly ReadOnlySpan<byte> _data;

    private EthernetFrame(ReadOnlySpan<byte> data, bool tagged)
    {
        _data = data;
        HasVlanTag = tagged;
    }

    /// <summary>Reads a frame; false with a reason when it is shorter than its header.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out EthernetFrame frame, out PacketError error)
    {
        frame = default;
        if (data.Length < HeaderLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        bool tagged = BinaryPrimitives.ReadUInt16BigEndian(data[TypeOffset..]) == Packets.EtherType.Vlan;
        if (tagged && data.Length < TaggedHeaderLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        frame = new EthernetFrame(data, tagged);
        error = PacketError.None;
        return true;
    }

    /// <summary>The whole frame.</summary>
    public ReadOnlySpan<byte> Bytes => _data;

    /// <summary>Destination MAC address.</summary>
    public MacAddress Destination => new(_data[DestinationOffset..]);

    /// <summary>Source MAC address.</summary>
    public MacAddress Source => new(_data[SourceOffset..]);

    /// <summary>True when an 802.1Q tag follows the source address.</summary>
    public bool HasVlanTag { get; }

    /// <summary>The VLAN identifier of the tag (0 when untagged).</summary>
    public ushort VlanId => HasVlanTag ? (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_data[TciOffset..]) & 0x0FFF) : (ushort)0;

    /// <summary>The priority code point of the tag (0 when untagged).</summary>
    public byte Priority => HasVlanTag ? (byte)(_data[TciOffset] >> 5) : (byte)0;

    /// <summary>The EtherType of the payload (after the tag when tagged).</summary>
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(_data[(HasVlanTag ? TciOffset + 2 : TypeOffset)..]);

    /// <summary>The header length: 14, or 18 when tagged.</summary>
    public int Length => HasVlanTag ? TaggedHeaderLength : HeaderLength;

    /// <summary>What follows the header (may include padding up to 60 bytes).</summary>
    public ReadOnlySpan<byte> Payload => _data[Length..];
}
