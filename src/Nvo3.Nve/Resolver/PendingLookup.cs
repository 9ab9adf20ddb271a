using System.Buffers;

namespace Nvo3.Nve;

/// <summary>
/// Packets waiting on one look-up, bounded: copies from the pool with room in front, so they are
/// encapsulated in place once the answer comes. Producers are the loops that missed; the look-up
/// closes it and takes them.
/// </summary>
internal sealed class PendingLookup(int limit)
{
    /// <summary>Room kept in front of each copy: what <see cref="Packet.MinHeadroom"/> promises.</summary>
    public const int Headroom = Packet.MinHeadroom;

    private readonly List<(byte[] Buffer, int Length)> _packets = [];
    private int _started;
    private bool _closed;

    /// <summary>What <see cref="TryAdd"/> did.</summary>
    public enum Added
    {
        /// <summary>Queued.</summary>
        Yes,
        /// <summary>The queue is full: the packet is dropped.</summary>
        Full,
        /// <summary>The look-up already answered: use its answer.</summary>
        Closed,
    }

    /// <summary>True for the one caller that should send the look-up.</summary>
    public bool TryStart() => Interlocked.Exchange(ref _started, 1) == 0;

    /// <summary>Queues a copy of <paramref name="packet"/>.</summary>
    public Added TryAdd(ReadOnlySpan<byte> packet)
    {
        lock (_packets)
        {
            if (_closed)
            {
                return Added.Closed;
            }
            if (_packets.Count >= limit)
            {
                return Added.Full;
            }
            var buffer = ArrayPool<byte>.Shared.Rent(Headroom + packet.Length);
            packet.CopyTo(buffer.AsSpan(Headroom));
            _packets.Add((buffer, packet.Length));
            return Added.Yes;
        }
    }

    /// <summary>Closes the queue and hands over what it holds; the caller returns each buffer to the pool.</summary>
    public List<(byte[] Buffer, int Length)> Close()
    {
        lock (_packets)
        {
            _closed = true;
            return [.. _packets];
        }
    }

    /// <summary>Returns a buffer taken from <see cref="Close"/>.</summary>
    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);
}
