using System.Threading.Channels;

namespace Nvo3.Nve;

/// <summary>
/// One reader of the drop tap (<c>nvo3 nve trace</c>): a bounded queue of copied drops. When the
/// reader falls behind the queue is full and further drops are not queued but counted in
/// <see cref="Missed"/>; the data path never waits for a tracer. Dispose detaches it.
/// </summary>
public sealed class DropTrace : IDisposable
{
    private readonly DropTap _tap;
    private readonly Channel<DroppedFrame> _queue;
    private long _missed;

    internal DropTrace(DropTap tap, int capacity, TimeProvider time)
    {
        _tap = tap;
        Time = time;
        _queue = Channel.CreateBounded<DroppedFrame>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails at once, and the drop is counted missed
            SingleReader = true,
        });
    }

    /// <summary>The clock the records are stamped with.</summary>
    public TimeProvider Time { get; }

    /// <summary>Drops not queued because the reader was behind.</summary>
    public long Missed => Interlocked.Read(ref _missed);

    /// <summary>The queued drops, oldest first; ends when the trace is disposed.</summary>
    public ChannelReader<DroppedFrame> Reader => _queue.Reader;

    internal void Offer(in DroppedFrame frame)
    {
        if (!_queue.Writer.TryWrite(frame))
        {
            Interlocked.Increment(ref _missed);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _tap.Detach(this);
        _queue.Writer.TryComplete();
    }
}
