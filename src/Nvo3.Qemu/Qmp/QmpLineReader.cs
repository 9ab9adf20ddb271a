namespace Nvo3.Qemu.Qmp;

/// <summary>
/// Splits what a QMP peer sends into lines (QEMU ends every message with CR LF) without ever
/// holding more than <c>maxLineBytes</c> of one line: a longer line, or a stream that ends in the
/// middle of one, is a <see cref="QmpProtocolException"/>. The peer is untrusted input: the
/// buffer grows by doubling from 4 KiB and never past the limit. Owns its buffer, not the stream.
/// </summary>
internal sealed class QmpLineReader
{
    private const int InitialBuffer = 4096;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public QmpLineReader(Stream stream, int maxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 16);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _buffer = new byte[Math.Min(InitialBuffer, maxLineBytes + 2)];
    }

    /// <summary>
    /// The next line without its CR LF (valid until the next call), or null when the stream ended
    /// between lines. Empty lines are skipped.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        int searched = 0; // bytes after _start known to hold no newline
        while (true)
        {
            int from = _start + searched;
            int newline = Array.IndexOf(_buffer, (byte)'\n', from, _end - from);
            if (newline >= 0)
            {
                int lineStart = _start;
                int lineEnd = newline > lineStart && _buffer[newline - 1] == '\r' ? newline - 1 : newline;
                _start = newline + 1;
                searched = 0;
                if (lineEnd - lineStart > _maxLineBytes)
                {
                    throw TooLong();
                }
                if (lineEnd == lineStart)
                {
                    continue;
                }
                return new ReadOnlyMemory<byte>(_buffer, lineStart, lineEnd - lineStart);
            }
            searched = _end - _start;
            // The line and its CR LF fit in maxLineBytes + 2; more without a newline is too long.
            if (searched > _maxLineBytes + 1)
            {
                throw TooLong();
            }
            MakeRoom();
            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end > _start)
                {
                    throw new QmpProtocolException($"The QMP peer closed the connection in the middle of a message ({_end - _start} bytes without an end of line).");
                }
                return null;
            }
            _end += read;
        }
    }

    // Moves the partial line to the front, and doubles the buffer when it is full of it.
    private void MakeRoom()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            var larger = new byte[Math.Min(_buffer.Length * 2, _maxLineBytes + 2)];
            Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
            _buffer = larger;
        }
    }

    private QmpProtocolException TooLong() => new($"A QMP message is longer than {_maxLineBytes} bytes; refusing it (the peer is not QEMU, or the limit is too low).");
}
