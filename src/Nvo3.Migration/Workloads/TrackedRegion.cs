namespace Nvo3.Migration;

/// <summary>
/// A workload's memory (4 KiB pages) or disk (64 KiB blocks by default): one array of bytes cut
/// into units of <see cref="UnitSize"/>, with a <see cref="DirtyBitmap"/> that every write sets.
/// It owns its array for its whole life. Writes go through <see cref="Workload"/>, which refuses
/// them unless the workload runs; a transfer reads units while it runs and relies on the bitmap
/// to resend what changed under it.
/// </summary>
public sealed class TrackedRegion
{
    private readonly byte[] _bytes;

    internal TrackedRegion(long sizeBytes, int unitSize)
    {
        if (unitSize <= 0 || !int.IsPow2(unitSize))
        {
            throw new ArgumentOutOfRangeException(nameof(unitSize), unitSize, "The unit size must be a power of two.");
        }
        if (sizeBytes < 0 || sizeBytes % unitSize != 0 || sizeBytes > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), sizeBytes,
                $"The size must be a multiple of {unitSize} bytes, at most {Array.MaxLength}.");
        }
        UnitSize = unitSize;
        UnitCount = (int)(sizeBytes / unitSize);
        _bytes = new byte[sizeBytes];
        Dirty = new DirtyBitmap(UnitCount);
    }

    /// <summary>Bytes per page or block.</summary>
    public int UnitSize { get; }

    /// <summary>How many pages or blocks.</summary>
    public int UnitCount { get; }

    /// <summary>The size in bytes.</summary>
    public long SizeBytes => _bytes.LongLength;

    /// <summary>The units written since a transfer last took them.</summary>
    public DirtyBitmap Dirty { get; }

    /// <summary>The whole content, read-only: for hashing and for comparing in tests.</summary>
    public ReadOnlySpan<byte> Content => _bytes;

    /// <summary>One page or block.</summary>
    public ReadOnlySpan<byte> Unit(int index) => _bytes.AsSpan(checked(index * UnitSize), UnitSize);

    /// <summary>Copies data in and marks the units it touched dirty (data first, bit after: see <see cref="DirtyBitmap"/>).</summary>
    internal void Write(long offset, ReadOnlySpan<byte> data)
    {
        if (offset < 0 || offset + data.Length > _bytes.LongLength)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The write of {data.Length} bytes falls outside the {_bytes.LongLength} bytes of the region.");
        }
        if (data.IsEmpty)
        {
            return;
        }
        data.CopyTo(_bytes.AsSpan((int)offset));
        int first = (int)(offset / UnitSize);
        int last = (int)((offset + data.Length - 1) / UnitSize);
        Dirty.SetRange(first, last - first + 1);
    }

    /// <summary>Stores a unit received from a transfer: no dirty bit, the receiver's copy is not running.</summary>
    internal void Load(int index, ReadOnlySpan<byte> unit) => unit.CopyTo(_bytes.AsSpan(checked(index * UnitSize), UnitSize));

    /// <summary>Copies raw bytes in without marking anything: a replicated write at a standby.</summary>
    internal void LoadRaw(long offset, ReadOnlySpan<byte> data) => data.CopyTo(_bytes.AsSpan(checked((int)offset)));

    /// <summary>Fills the region with pseudo-random bytes from <paramref name="seed"/>, dirtying nothing: a workload's content before it starts.</summary>
    internal void Fill(int seed) => new Random(seed).NextBytes(_bytes);
}
