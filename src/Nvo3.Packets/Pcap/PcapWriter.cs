using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// Writes the classic libpcap file format (version 2.4, link type Ethernet) with microsecond or
/// nanosecond time stamps. Owns neither the stream's lifetime nor its thread-safety: the caller
/// serializes calls and disposes the writer, which flushes and, if asked, closes the stream.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    /// <summary>The magic number of microsecond files.</summary>
    public const uint MagicMicroseconds = 0xA1B2_C3D4;

    /// <summary>The magic number of nanosecond files.</summary>
    public const uint MagicNanoseconds = 0xA1B2_3C4D;

    /// <summary>Link type Ethernet (LINKTYPE_ETHERNET).</summary>
    public const uint LinkTypeEthernet = 1;

    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly bool _nanoseconds;
    private readonly int _snapLength;
    private readonly byte[] _header = new byte[RecordHeaderLength];

    /// <summary>Starts a file: writes the global header.</summary>
    public PcapWriter(Stream stream, bool nanoseconds = true, int snapLength = 65535, bool leaveOpen = false)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _nanoseconds = nanoseconds;
        _snapLength = snapLength;
        Span<byte> g = stackalloc byte[GlobalHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(g, nanoseconds ? MagicNanoseconds : MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(g[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(g[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(g[8..], 0); // time zone offset
        BinaryPrimitives.WriteUInt32LittleEndian(g[12..], 0); // accuracy
        BinaryPrimitives.WriteInt32LittleEndian(g[16..], snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(g[20..], LinkTypeEthernet);
        _stream.Write(g);
    }

    /// <summary>Records written.</summary>
    public long Count { get; private set; }

    /// <summary>Appends one frame captured at <paramref name="timestamp"/>, cut to the snap length.</summary>
    public void Write(DateTimeOffset timestamp, ReadOnlySpan<byte> frame)
    {
        long ticks = timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = ticks / TimeSpan.TicksPerSecond;
        long fraction = ticks % TimeSpan.TicksPerSecond;
        uint sub = _nanoseconds ? (uint)(fraction * 100) : (uint)(fraction / 10);
        int included = Math.Min(frame.Length, _snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(_header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), sub);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(8), included);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(12), frame.Length);
        _stream.Write(_header);
        _stream.Write(frame[..included]);
        Count++;
    }

    /// <summary>Flushes the stream.</summary>
    public void Flush() => _stream.Flush();

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
