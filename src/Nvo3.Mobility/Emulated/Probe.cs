using System.Buffers.Binary;

namespace Nvo3.Mobility.Emulated;

/// <summary>The probe datagram: "NVPB", a 64-bit sequence number and the sender's 64-bit timestamp.</summary>
public static class Probe
{
    /// <summary>The UDP port probes go to.</summary>
    public const ushort Port = 7777;

    /// <summary>Bytes of a probe payload.</summary>
    public const int Length = 20;

    private const uint Magic = 0x4E56_5042; // "NVPB"

    /// <summary>Writes a probe; returns its length.</summary>
    public static int Write(Span<byte> destination, long sequence, long ticks)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Magic);
        BinaryPrimitives.WriteInt64BigEndian(destination[4..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(destination[12..], ticks);
        return Length;
    }

    /// <summary>Reads a probe; false when the payload is not one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out long sequence, out long ticks)
    {
        sequence = ticks = 0;
        if (payload.Length < Length || BinaryPrimitives.ReadUInt32BigEndian(payload) != Magic)
        {
            return false;
        }
        sequence = BinaryPrimitives.ReadInt64BigEndian(payload[4..]);
        ticks = BinaryPrimitives.ReadInt64BigEndian(payload[12..]);
        return true;
    }
}
