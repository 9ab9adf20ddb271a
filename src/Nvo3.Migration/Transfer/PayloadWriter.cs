using System.Buffers.Binary;
using System.Text;

namespace Nvo3.Migration.Transfer;

/// <summary>Writes big-endian fields into a payload buffer.</summary>
internal ref struct PayloadWriter
{
    private readonly Span<byte> _buffer;

    public PayloadWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        Written = 0;
    }

    public int Written { get; private set; }

    public void WriteByte(byte value) => Take(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Take(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Take(8), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);

    public void WriteUInt128(UInt128 value) => BinaryPrimitives.WriteUInt128BigEndian(Take(16), value);

    public void WriteGuid(Guid value) => value.TryWriteBytes(Take(16), bigEndian: true, out _);

    /// <summary>A u16 length and UTF-8 bytes; longer strings are cut to 65535 bytes at a character boundary.</summary>
    public void WriteString(string value)
    {
        int max = Math.Min(Encoding.UTF8.GetByteCount(value), ushort.MaxValue);
        var length = Take(2);
        var target = _buffer.Slice(Written, max);
        int n = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (n + rune.Utf8SequenceLength > max)
            {
                break;
            }
            n += rune.EncodeToUtf8(target[n..]);
        }
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)n);
        Written += n;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    public Span<byte> Take(int count)
    {
        var span = _buffer.Slice(Written, count);
        Written += count;
        return span;
    }

    public static int StringSize(string value) => 2 + Math.Min(Encoding.UTF8.GetByteCount(value), ushort.MaxValue);
}
