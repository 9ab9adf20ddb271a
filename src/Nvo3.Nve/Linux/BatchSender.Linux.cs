using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nvo3.Nve.Linux;

/// <summary>
/// Datagrams waiting to leave through a set of UDP sockets, each copied into a pinned slot with
/// its destination; <see cref="Flush"/> sends them with one sendmmsg(2) per socket, in the order
/// they were added. One owner thread; nothing allocated after construction.
/// </summary>
internal sealed unsafe class BatchSender : ISendBatch
{
    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private readonly int[] _sockets;
    private readonly int _slotSize;
    private readonly MessageVectors _vectors;
    private int _count;

    /// <summary>Room for <paramref name="capacity"/> datagrams of up to <paramref name="slotSize"/> bytes.</summary>
    public BatchSender(int capacity, int slotSize)
    {
        _slotSize = slotSize;
        _slots = new byte[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            _slots[i] = GC.AllocateArray<byte>(slotSize, pinned: true);
        }
        _lengths = new int[capacity];
        _sockets = new int[capacity];
        _vectors = new MessageVectors(capacity);
    }

    /// <summary>True when no more fits: flush first.</summary>
    public bool IsFull => _count == _slots.Length;

    /// <summary>Datagrams waiting.</summary>
    public int Count => _count;

    /// <summary>Copies <paramref name="datagram"/> for socket <paramref name="socket"/> and <paramref name="to"/>; false when it is full or the datagram too large.</summary>
    public bool TryAdd(int socket, ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        if (_count == _slots.Length || datagram.Length > _slotSize || to.Size > MessageVectors.NameSize)
        {
            return false;
        }
        int i = _count++;
        datagram.CopyTo(_slots[i]);
        _lengths[i] = datagram.Length;
        _sockets[i] = socket;
        to.Buffer.Span[..to.Size].CopyTo(new Span<byte>(_vectors.Name(i), MessageVectors.NameSize));
        _vectors.Iov[i].Base = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_slots[i]));
        _vectors.Iov[i].Length = (nuint)datagram.Length;
        _vectors.Messages[i].Header.Name = _vectors.Name(i);
        _vectors.Messages[i].Header.NameLength = (uint)to.Size;
        return true;
    }

    /// <summary>
    /// Sends every waiting datagram through its socket (one sendmmsg per socket that has some)
    /// and empties the batch. Returns how many the kernel refused; <paramref name="bytes"/> is
    /// the bytes of those it took.
    /// </summary>
    public int Flush(Socket[] sockets, out long bytes)
    {
        bytes = 0;
        int failed = 0;
        if (_count == 0)
        {
            return 0;
        }
        // The messages of one socket must be contiguous: lay them out socket by socket, each
        // pointing at its slot's vector, keeping the order in which they were added.
        var order = stackalloc LibC.MMsgHdr[_count];
        for (int s = 0; s < sockets.Length; s++)
        {
            int n = 0;
            for (int i = 0; i < _count; i++)
            {
                if (_sockets[i] == s)
                {
                    order[n] = _vectors.Messages[i];
                    order[n].Header.Iov = &_vectors.Iov[i];
                    order[n].Header.IovLength = 1;
                    order[n].Header.Control = null;
                    order[n].Header.ControlLength = 0;
                    order[n].Header.Flags = 0;
                    order[n].Length = 0;
                    n++;
                }
            }
            int done = 0;
            while (done < n)
            {
                int sent;
                try
                {
                    sent = LibC.SendMmsg(sockets[s].SafeHandle, order + done, (uint)(n - done), 0);
                }
                catch (ObjectDisposedException)
                {
                    failed += n - done;
                    break;
                }
                if (sent <= 0)
                {
                    failed++; // the first of the rest was refused; go on with the next
                    done++;
                    continue;
                }
                for (int k = done; k < done + sent; k++)
                {
                    bytes += order[k].Length;
                }
                done += sent;
            }
        }
        _count = 0;
        return failed;
    }

    public void Dispose() => _vectors.Dispose();
}
