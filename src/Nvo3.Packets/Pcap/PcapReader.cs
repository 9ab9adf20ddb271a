using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// Reads classic libpcap files (either byte order, microsecond or nanosecond stamps). For tests
/// and tools, not the data path: each record is copied into a reusable buffer the reader owns,
/// valid until the next call.
/// </summary>
public sealed class PcapReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _bigEndian;
    private readonly bool _nanoseconds;
    private byte[] _buffer = new byte[2048];

    /// <summary>Opens a file and reads its global header; throws <see cref="InvalidDataException"/> when it is not pcap.</summary>
    public PcapReader(Stream stream)
    {
        _stream = stream;
        Span<byte> g = stackalloc byte[24];
        stream.ReadExactly(g);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(g);
        (_bigEndian, _nanoseconds) = magic switch
        {
            PcapWriter.MagicMicroseconds => (false, false),
            PcapWriter.MagicNanoseconds => (false, true),
            0xD4C3_B2A1 => (true, false),
            0x4D3C_B2A1 => (true, true),
            _ => throw new InvalidDataException($"Not a pcap file (magic 0x{magic:X8})."),
        };
        LinkType = ReadUInt32(g[20..]);
        SnapLength = (int)ReadUInt32(g[16..]);
    }

    /// <summary>The link type of the file (1 = Ethernet).</summary>
    public uint LinkType { get; }

    /// <summary>The snap length of the file.</summary>
    public int SnapLength { get; }

    /// <summary>Reads the next record; false at the end of the file.</summary>
    public bool TryRead(out DateTimeOffset timestamp, out ReadOnlyMemory<byte> frame, out int originalLength)
    {
        Span<byte> h = stackalloc byte[16];
        int got = _stream.ReadAtLeast(h, 16, throwOnEndOfStream: false);
        if (got < 16)
        {
            timestamp = default;
            frame = default;
            originalLength = 0;
            return false;
        }
        uint seconds = ReadUInt32(h);
        uint sub = ReadUInt32(h[4..]);
        int included = (int)ReadUInt32(h[8..]);
        originalLength = (int)ReadUInt32(h[12..]);
        if (included < 0 || included > Math.Max(SnapLength, 262144))
        {
            throw new InvalidDataException($"A pcap record claims {included} bytes.");
        }
        if (_buffer.Length < included)
        {
            _buffer = new byte[included];
        }
        _stream.ReadExactly(_buffer.AsSpan(0, included));
        long ticks = (seconds * TimeSpan.TicksPerSecond) + (_nanoseconds ? sub / 100 : sub * 10L);
        timestamp = DateTimeOffset.UnixEpoch.AddTicks(ticks);
        frame = _buffer.AsMemory(0, included);
        return true;
    }

    private uint ReadUInt32(ReadOnlySpan<byte> data) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data) : BinaryPrimitives.ReadUInt32LittleEndian(data);

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
