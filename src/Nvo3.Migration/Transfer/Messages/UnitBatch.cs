using System.Buffers.Binary;

namespace Nvo3.Migration.Transfer;

/// <summary>
/// A batch of memory pages or disk blocks, the bulk of every transfer:
/// <code>u32 round, u32 count, count × u32 index, count × unit bytes</code>
/// Indices first, then the units back to back, so a receiver copies each unit straight from the
/// payload into place.
/// </summary>
public readonly ref struct UnitBatch
{
    private const int FixedSize = 8;
    private readonly ReadOnlySpan<byte> _indices;
    private readonly ReadOnlySpan<byte> _units;
    private readonly int _unitSize;

    private UnitBatch(uint round, int count, ReadOnlySpan<byte> indices, ReadOnlySpan<byte> units, int unitSize)
    {
        Round = round;
        Count = count;
        _indices = indices;
        _units = units;
        _unitSize = unitSize;
    }

    /// <summary>The pre-copy round (or checkpoint) it belongs to.</summary>
    public uint Round { get; }

    /// <summary>How many units.</summary>
    public int Count { get; }

    /// <summary>The index of unit <paramref name="i"/>.</summary>
    public int Index(int i) => (int)BinaryPrimitives.ReadUInt32BigEndian(_indices[(i * 4)..]);

    /// <summary>The bytes of unit <paramref name="i"/>.</summary>
    public ReadOnlySpan<byte> Unit(int i) => _units.Slice(i * _unitSize, _unitSize);

    /// <summary>The payload size of a batch of <paramref name="count"/> units.</summary>
    public static int SizeOf(int count, int unitSize) => FixedSize + count * (4 + unitSize);

    /// <summary>How many units of <paramref name="unitSize"/> fit in a payload of <paramref name="payloadBytes"/>.</summary>
    public static int Fit(int payloadBytes, int unitSize) => Math.Max(1, (payloadBytes - FixedSize) / (4 + unitSize));

    /// <summary>Encodes the units named by <paramref name="indices"/>, read from <paramref name="region"/>; returns the bytes written.</summary>
    public static int Write(Span<byte> buffer, uint round, ReadOnlySpan<int> indices, TrackedRegion region)
    {
        int unitSize = region.UnitSize;
        BinaryPrimitives.WriteUInt32BigEndian(buffer, round);
        BinaryPrimitives.WriteInt32BigEndian(buffer[4..], indices.Length);
        var index = buffer.Slice(FixedSize, indices.Length * 4);
        var units = buffer.Slice(FixedSize + indices.Length * 4, indices.Length * unitSize);
        for (int i = 0; i < indices.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(index[(i * 4)..], indices[i]);
            region.Unit(indices[i]).CopyTo(units[(i * unitSize)..]);
        }
        return SizeOf(indices.Length, unitSize);
    }

    /// <summary>Decodes and checks every index against <paramref name="unitCount"/>; throws <see cref="MigrationProtocolException"/>.</summary>
    public static UnitBatch Read(ReadOnlySpan<byte> payload, FrameType type, int unitSize, int unitCount)
    {
        if (payload.Length < FixedSize)
        {
            PayloadReader.Throw(type, "it is shorter than its fixed fields");
        }
        uint round = BinaryPrimitives.ReadUInt32BigEndian(payload);
        uint count = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        if (count > (uint)(payload.Length / (4 + Math.Max(unitSize, 1))) || payload.Length != SizeOf((int)count, unitSize))
        {
            PayloadReader.Throw(type, $"{count} units of {unitSize} bytes do not make {payload.Length} bytes");
        }
        var indices = payload.Slice(FixedSize, (int)count * 4);
        for (int i = 0; i < (int)count; i++)
        {
            uint index = BinaryPrimitives.ReadUInt32BigEndian(indices[(i * 4)..]);
            if (index >= (uint)unitCount)
            {
                PayloadReader.Throw(type, $"index {index} is past the last of {unitCount} units");
            }
        }
        return new UnitBatch(round, (int)count, indices, payload[(FixedSize + (int)count * 4)..], unitSize);
    }
}
