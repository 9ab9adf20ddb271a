using System.Collections.Concurrent;

namespace Nvo3.Nve;

/// <summary>
/// A bounded multi-producer, single-consumer queue of frames with preallocated buffers: one
/// direction of an in-memory wire. Producers copy in, the consumer copies out; no allocation
/// after construction. Full means the frame is dropped, as a NIC ring would.
/// </summary>
public sealed class FrameQueue : IDisposable
{
    private readonly ConcurrentQueue<(byte[] Buffer, int Length)> _frames = new();
    private readonly ConcurrentQueue<byte[]> _free = new();
    private readonly SemaphoreSlim _ready = new(0);
    private volatile bool _closed;

    /// <summary>Creates a queue of <paramref name="capacity"/> frames of at most <paramref name="maxFrame"/> bytes.</summary>
    public FrameQueue(int capacity = 4096, int maxFrame = FrameBatch.MaxFrame)
    {
        for (int i = 0; i < capacity; i++)
        {
            _free.Enqueue(new byte[maxFrame]);
        }
    }

    /// <summary>Frames dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    /// <summary>Copies a frame in; false when full or closed.</summary>
    public bool TryWrite(ReadOnlySpan<byte> frame)
    {
        if (_closed || !_free.TryDequeue(out var buffer))
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        if (frame.Length > buffer.Length)
        {
            _free.Enqueue(buffer);
            Interlocked.Increment(ref _dropped);
            return false;
        }
        frame.CopyTo(buffer);
        _frames.Enqueue((buffer, frame.Length));
        _ready.Release();
        return true;
    }

    /// <summary>Waits for a frame and copies out as many as are ready into <paramref name="batch"/>; 0 when closed.</summary>
    public int Read(FrameBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            _ready.Wait(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        int n = 0;
        do
        {
            if (!_frames.TryDequeue(out var frame))
            {
                break; // closed: the release carried no frame
            }
            frame.Buffer.AsSpan(0, frame.Length).CopyTo(batch.WriteArea(n));
            batch.SetLength(n, frame.Length);
            _free.Enqueue(frame.Buffer);
            n++;
        }
        while (n < batch.Capacity && _ready.Wait(0));
        batch.Count = n;
        return n;
    }

    /// <summary>Takes every frame out without blocking (what a paused VM's memory holds).</summary>
    public int Drain(Action<ReadOnlySpan<byte>> consume)
    {
        int n = 0;
        while (_ready.Wait(0) && _frames.TryDequeue(out var frame))
        {
            consume(frame.Buffer.AsSpan(0, frame.Length));
            _free.Enqueue(frame.Buffer);
            n++;
        }
        return n;
    }

    /// <summary>Wakes the reader with nothing, so that its loop can end.</summary>
    public void Close()
    {
        _closed = true;
        _ready.Release();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Close();
        _ready.Dispose();
    }
}
