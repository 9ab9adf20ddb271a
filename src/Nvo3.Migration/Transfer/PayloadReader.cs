using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Nvo3.Migration.Transfer;

/// <summary>Reads big-endian fields from a payload; a payload that ends early or runs long is <see cref="ProtocolError.Malformed"/>.</summary>
internal ref struct PayloadReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private readonly FrameType _type;
    private int _position;

    public PayloadReader(ReadOnlySpan<byte> payload, FrameType type)
    {
        _payload = payload;
        _type = type;
        _position = 0;
    }

    public readonly int Remaining => _payload.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    public UInt128 ReadUInt128() => BinaryPrimitives.ReadUInt128BigEndian(Take(16));

    public Guid ReadGuid() => new(Take(16), bigEndian: true);

    public string ReadString()
    {
        var bytes = Take(ReadUInt16());
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            Throw(_type, "a string is not valid UTF-8");
            return null;
        }
    }

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    public readonly void End()
    {
        if (_position != _payload.Length)
        {
            Throw(_type, $"{_payload.Length - _position} bytes are left over");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _payload.Length - _position)
        {
            Throw(_type, "it ends early");
        }
        var span = _payload.Slice(_position, count);
        _position += count;
        return span;
    }

    [DoesNotReturn]
    public static void Throw(FrameType type, string why) =>
        throw new MigrationProtocolException(ProtocolError.Malformed, $"A {type} message is malformed: {why}.");
}
