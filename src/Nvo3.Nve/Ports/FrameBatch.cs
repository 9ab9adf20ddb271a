namespace Nvo3.Nve;

/// <summary>
/// A batch of frames read together, each in its own preallocated buffer with
/// <see cref="Headroom"/> free bytes in front, so the NVE writes the tunnel header in place
/// instead of copying the frame. Owned by one receive loop and reused for every batch.
/// </summary>
public sealed class FrameBatch
{
    /// <summary>Bytes kept free before each frame: room for a VXLAN or VXLAN-GPE header.</summary>
    public const int Headroom = 16;

    /// <summary>The largest frame a buffer holds (a jumbo frame).</summary>
    public const int MaxFrame = 9216;

    private readonly byte[][] _buffers;
    private readonly int[] _lengths;

    /// <summary>Creates a batch of <paramref name="capacity"/> buffers.</summary>
    public FrameBatch(int capacity = 64)
    {
        _buffers = new byte[capacity][];
        _lengths = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _buffers[i] = new byte[Headroom + MaxFrame];
        }
    }

    /// <summary>How many buffers the batch has.</summary>
    public int Capacity => _buffers.Length;

    /// <summary>How many frames it holds now.</summary>
    public int Count { get; set; }

    /// <summary>The whole buffer of frame <paramref name="index"/>, headroom included.</summary>
    public byte[] Buffer(int index) => _buffers[index];

    /// <summary>Where frame <paramref name="index"/> is written by a receiver.</summary>
    public Span<byte> WriteArea(int index) => _buffers[index].AsSpan(Headroom, MaxFrame);

    /// <summary>Frame <paramref name="index"/>.</summary>
    public Span<byte> Frame(int index) => _buffers[index].AsSpan(Headroom, _lengths[index]);

    /// <summary>The length of frame <paramref name="index"/>.</summary>
    public int Length(int index) => _lengths[index];

    /// <summary>Sets the length of frame <paramref name="index"/>.</summary>
    public void SetLength(int index, int length) => _lengths[index] = length;
}
