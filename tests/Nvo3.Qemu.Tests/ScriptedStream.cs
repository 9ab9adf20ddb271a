namespace Nvo3.Qemu.Tests;

/// <summary>
/// A duplex stream for fuzzing: reads return the given bytes in the given chunk sizes, then end;
/// writes are kept (the client's commands). No socket, so thousands of runs take milliseconds.
/// </summary>
internal sealed class ScriptedStream(byte[] input, int[] chunks) : Stream
{
    private int _position;
    private int _chunk;

    public MemoryStream Written { get; } = new();

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int size = chunks.Length == 0 ? buffer.Length : Math.Max(1, chunks[_chunk++ % chunks.Length]);
        int n = Math.Min(Math.Min(size, buffer.Length), input.Length - _position);
        input.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
