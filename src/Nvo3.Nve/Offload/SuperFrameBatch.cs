using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// A batch of frames read from a TAP with a virtio-net header: each in its own pinned buffer large
/// enough for a 64 KiB TCP super-frame, with the header the kernel gave it. Owned and reused by
/// one receive loop; <see cref="TapPort.Receive(SuperFrameBatch, CancellationToken)"/> fills it.
/// </summary>
public sealed class SuperFrameBatch
{
    /// <summary>
    /// Room for the largest frame a TAP hands over: an IP packet of up to 64 KiB behind a tagged
    /// Ethernet header. A read that fills it was cut short and is dropped.
    /// </summary>
    public const int BufferLength = 65536 + EthernetFrame.TaggedHeaderLength + 64;

    private readonly byte[][] _buffers;
    private readonly int[] _lengths;
    private readonly VirtioNetHeader[] _headers;

    /// <summary>Creates a batch of <paramref name="capacity"/> buffers (about 64 KiB each).</summary>
    public SuperFrameBatch(int capacity = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _buffers = new byte[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            _buffers[i] = GC.AllocateArray<byte>(BufferLength, pinned: true);
        }
        _lengths = new int[capacity];
        _headers = new VirtioNetHeader[capacity];
    }

    /// <summary>How many buffers it has.</summary>
    public int Capacity => _buffers.Length;

    /// <summary>How many frames it holds now.</summary>
    public int Count { get; internal set; }

    /// <summary>Frame <paramref name="index"/>.</summary>
    public Span<byte> Frame(int index) => _buffers[index].AsSpan(0, _lengths[index]);

    /// <summary>The header the kernel gave frame <paramref name="index"/>: GSO and checksum work left to do.</summary>
    public VirtioNetHeader Header(int index) => _headers[index];

    internal Span<byte> WriteArea(int index) => _buffers[index];

    internal void Set(int index, int length, in VirtioNetHeader header)
    {
        _lengths[index] = length;
        _headers[index] = header;
    }
}
