namespace Nvo3.Migration.Transfer;

/// <summary>
/// Writes frames to a stream: the caller fills the payload in the writer's own buffer
/// (<see cref="GetPayloadBuffer"/>), then <see cref="SendAsync(FrameType, int, CancellationToken)"/>
/// seals the header in front of it, waits for the bandwidth cap, writes header and payload in one
/// write and records the bytes in the meter. The writer owns the buffer and reuses it for every
/// frame, so it serves one sender at a time.
/// </summary>
public sealed class FrameWriter
{
    private readonly Stream _stream;
    private readonly TokenBucket? _cap;
    private readonly BandwidthMeter? _meter;
    private byte[] _buffer = new byte[FrameHeader.Length + 4096];
    private long _bytesWritten;

    /// <summary>A writer over <paramref name="stream"/>, paced by <paramref name="cap"/> when given, measured by <paramref name="meter"/> when given.</summary>
    public FrameWriter(Stream stream, TokenBucket? cap = null, BandwidthMeter? meter = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _cap = cap;
        _meter = meter;
    }

    /// <summary>Bytes written so far, headers included.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>Room for a payload of up to <paramref name="capacity"/> bytes; valid until the next call.</summary>
    public Memory<byte> GetPayloadBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, FrameHeader.MaxPayloadLength);
        if (_buffer.Length < FrameHeader.Length + capacity)
        {
            _buffer = new byte[FrameHeader.Length + capacity];
        }
        return _buffer.AsMemory(FrameHeader.Length, capacity);
    }

    /// <summary>Sends the first <paramref name="payloadLength"/> bytes of the payload buffer as one frame.</summary>
    public async ValueTask SendAsync(FrameType type, int payloadLength, CancellationToken cancellationToken = default)
    {
        int total = FrameHeader.Length + payloadLength;
        FrameHeader.Write(_buffer, type, _buffer.AsSpan(FrameHeader.Length, payloadLength));
        if (_cap is not null)
        {
            await _cap.WaitAsync(total, cancellationToken).ConfigureAwait(false);
        }
        await _stream.WriteAsync(_buffer.AsMemory(0, total), cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bytesWritten, total);
        _meter?.Record(total);
    }

    /// <summary>Copies <paramref name="payload"/> into the buffer and sends it.</summary>
    public ValueTask SendAsync(FrameType type, ReadOnlySpan<byte> payload, CancellationToken cancellationToken = default)
    {
        payload.CopyTo(GetPayloadBuffer(payload.Length).Span);
        return SendAsync(type, payload.Length, cancellationToken);
    }
}
