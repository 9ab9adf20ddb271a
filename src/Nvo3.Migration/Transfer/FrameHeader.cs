using System.Buffers.Binary;
using System.IO.Hashing;

namespace Nvo3.Migration.Transfer;

/// <summary>
/// The 24-byte header in front of every frame, big-endian:
/// <code>
///  0  u32 magic 0x4E564D4D ("NVMM")
///  4  u8  version (1)
///  5  u8  type (FrameType)
///  6  u16 flags (0; reserved)
///  8  u32 payload length
/// 12  u32 header check: XxHash32 of bytes 0..11
/// 16  u64 payload check: XxHash64 of the payload
/// </code>
/// The header has its own check so that a corrupt length is caught before the reader waits for
/// (or allocates) a payload that never comes.
/// </summary>
public readonly struct FrameHeader
{
    /// <summary>Header length in bytes.</summary>
    public const int Length = 24;

    /// <summary>"NVMM".</summary>
    public const uint Magic = 0x4E564D4D;

    /// <summary>The version this code speaks.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>The largest payload any frame may carry: 8 MiB.</summary>
    public const int MaxPayloadLength = 8 << 20;

    private const int VersionOffset = 4;
    private const int TypeOffset = 5;
    private const int FlagsOffset = 6;
    private const int LengthOffset = 8;
    private const int HeaderCheckOffset = 12;
    private const int PayloadCheckOffset = 16;

    private FrameHeader(FrameType type, int payloadLength, ulong payloadChecksum)
    {
        Type = type;
        PayloadLength = payloadLength;
        PayloadChecksum = payloadChecksum;
    }

    /// <summary>The message type.</summary>
    public FrameType Type { get; }

    /// <summary>Payload bytes after the header.</summary>
    public int PayloadLength { get; }

    /// <summary>XxHash64 the payload must have.</summary>
    public ulong PayloadChecksum { get; }

    /// <summary>Writes the header for <paramref name="payload"/> into the first <see cref="Length"/> bytes of <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, FrameType type, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Magic);
        destination[VersionOffset] = CurrentVersion;
        destination[TypeOffset] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[FlagsOffset..], 0);
        BinaryPrimitives.WriteInt32BigEndian(destination[LengthOffset..], payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[HeaderCheckOffset..], XxHash32.HashToUInt32(destination[..HeaderCheckOffset]));
        BinaryPrimitives.WriteUInt64BigEndian(destination[PayloadCheckOffset..], XxHash64.HashToUInt64(payload));
    }

    /// <summary>Reads and checks a header; false with the reason when it is not one this agent accepts.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, int maxPayloadLength, out FrameHeader header, out ProtocolError error)
    {
        header = default;
        if (source.Length < Length)
        {
            error = ProtocolError.Truncated;
            return false;
        }
        if (BinaryPrimitives.ReadUInt32BigEndian(source) != Magic)
        {
            error = ProtocolError.BadMagic;
            return false;
        }
        if (BinaryPrimitives.ReadUInt32BigEndian(source[HeaderCheckOffset..]) != XxHash32.HashToUInt32(source[..HeaderCheckOffset]))
        {
            error = ProtocolError.BadHeaderChecksum;
            return false;
        }
        if (source[VersionOffset] != CurrentVersion)
        {
            error = ProtocolError.UnknownVersion;
            return false;
        }
        var type = (FrameType)source[TypeOffset];
        if (type < FrameType.Hello || type > FrameType.Status)
        {
            error = ProtocolError.UnknownType;
            return false;
        }
        if (BinaryPrimitives.ReadUInt16BigEndian(source[FlagsOffset..]) != 0)
        {
            error = ProtocolError.BadFlags;
            return false;
        }
        int length = BinaryPrimitives.ReadInt32BigEndian(source[LengthOffset..]);
        if (length < 0 || length > maxPayloadLength)
        {
            error = ProtocolError.TooLarge;
            return false;
        }
        header = new FrameHeader(type, length, BinaryPrimitives.ReadUInt64BigEndian(source[PayloadCheckOffset..]));
        error = ProtocolError.None;
        return true;
    }

    /// <summary>
    /// Decodes one whole frame at the start of <paramref name="buffer"/>: false with the reason
    /// when it is refused (<see cref="ProtocolError.Truncated"/> when the buffer ends inside it).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> buffer, int maxPayloadLength, out FrameType type, out ReadOnlySpan<byte> payload, out int consumed, out ProtocolError error)
    {
        type = default;
        payload = default;
        consumed = 0;
        if (!TryParse(buffer, maxPayloadLength, out var header, out error))
        {
            return false;
        }
        if (buffer.Length - Length < header.PayloadLength)
        {
            error = ProtocolError.Truncated;
            return false;
        }
        var body = buffer.Slice(Length, header.PayloadLength);
        if (XxHash64.HashToUInt64(body) != header.PayloadChecksum)
        {
            error = ProtocolError.BadChecksum;
            return false;
        }
        type = header.Type;
        payload = body;
        consumed = Length + header.PayloadLength;
        return true;
    }

    /// <summary>A message for an error, naming what to check.</summary>
    public static string Describe(ProtocolError error) => error switch
    {
        ProtocolError.BadMagic => "The peer sent something that is not a migration frame (bad magic): is it a migration agent?",
        ProtocolError.UnknownVersion => $"The peer speaks a protocol version other than {CurrentVersion}; upgrade the older agent.",
        ProtocolError.BadHeaderChecksum => "A frame header is corrupt (its checksum does not verify).",
        ProtocolError.BadChecksum => "A frame payload is corrupt (its XxHash64 does not verify).",
        ProtocolError.Truncated => "The connection ended inside a frame.",
        ProtocolError.TooLarge => "A frame declares a payload larger than this agent accepts.",
        ProtocolError.UnknownType => "A frame has a type this protocol version does not define.",
        ProtocolError.BadFlags => "A frame has reserved flag bits set.",
        _ => error.ToString(),
    };
}
