using System.IO.Hashing;

namespace Nvo3.Migration.Transfer;

/// <summary>
/// Reads frames from a stream, checking magic, version, header check, length and payload check.
/// It owns one payload buffer, grown up to the largest payload allowed and reused for every frame.
/// Anything wrong is a <see cref="MigrationProtocolException"/>; an I/O failure of the stream
/// comes out as the stream threw it.
/// </summary>
public sealed class FrameReader
{
    private readonly Stream _stream;
    private readonly int _maxPayloadLength;
    private readonly byte[] _header = new byte[FrameHeader.Length];
    private byte[] _payload = new byte[4096];
    private long _bytesRead;

    /// <summary>A reader over <paramref name="stream"/> that refuses payloads larger than <paramref name="maxPayloadLength"/>.</summary>
    public FrameReader(Stream stream, int maxPayloadLength = FrameHeader.MaxPayloadLength)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPayloadLength);
        _stream = stream;
        _maxPayloadLength = Math.Min(maxPayloadLength, FrameHeader.MaxPayloadLength);
    }

    /// <summary>Bytes read so far, headers included.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>The next frame, or null when the stream ended cleanly between frames.</summary>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken = default)
    {
        int got = await _stream.ReadAtLeastAsync(_header, FrameHeader.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }
        if (got < FrameHeader.Length)
        {
            throw Fail(ProtocolError.Truncated);
        }
        if (!FrameHeader.TryParse(_header, _maxPayloadLength, out var header, out var error))
        {
            throw Fail(error);
        }
        if (_payload.Length < header.PayloadLength)
        {
            _payload = new byte[Math.Min(_maxPayloadLength, Math.Max(header.PayloadLength, _payload.Length * 2))];
        }
        var payload = _payload.AsMemory(0, header.PayloadLength);
        if (header.PayloadLength > 0)
        {
            got = await _stream.ReadAtLeastAsync(payload, header.PayloadLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got < header.PayloadLength)
            {
                throw Fail(ProtocolError.Truncated);
            }
        }
        if (XxHash64.HashToUInt64(payload.Span) != header.PayloadChecksum)
        {
            throw Fail(ProtocolError.BadChecksum);
        }
        Interlocked.Add(ref _bytesRead, FrameHeader.Length + header.PayloadLength);
        return new Frame(header.Type, payload);
    }

    private static MigrationProtocolException Fail(ProtocolError error) => new(error, FrameHeader.Describe(error));
}
