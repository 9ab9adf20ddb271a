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
internal sealed unsafe class BatchSender : IDisposable
{
    private const int NameSize = 28; // sizeof(struct sockaddr_in6)

    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private readonly int[] _sockets;
    private readonly int _slotSize;
    private LibC.MMsgHdr* _messages;
    private LibC.IoVec* _iov;
    private byte* _names;
    private int _count;

    /// <summary>Room for <paramref name="capacity"/> datagrams of up to <paramref name="slotSize"/> bytes.</summary>
    public BatchSender(int capacity, int slotSize)
    {
        if (sizeof(LibC.MMsgHdr) != 64 || sizeof(LibC.MsgHdr) != 56)
        {
            throw new PlatformNotSupportedException("sendmmsg batches need the 64-bit Linux layout of struct mmsghdr.");
        }
        _slotSize = slotSize;
        _slots = new byte[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            _slots[i] = GC.AllocateArray<byte>(slotSize, pinned: true);
        }
        _lengths = new int[capacity];
        _sockets = new int[capacity];
        _messages = (LibC.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(LibC.MMsgHdr)));
        _iov = (LibC.IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(LibC.IoVec)));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * NameSize));
    }

    /// <summary>True when no more fits: flush first.</summary>
    public bool IsFull => _count == _slots.Length;

    /// <summary>Datagrams waiting.</summary>
    public int Count => _count;

    /// <summary>Copies <paramref name="datagram"/> for socket <paramref name="socket"/> and <paramref name="to"/>; false when it is full or the datagram too large.</summary>
    public bool TryAdd(int socket, ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        if (_count == _slots.Length || datagram.Length > _slotSize || to.Size > NameSize)
        {
            return false;
        }
        int i = _count++;
        datagram.CopyTo(_slots[i]);
        _lengths[i] = datagram.Length;
        _sockets[i] = socket;
        var name = new Span<byte>(_names + (i * NameSize), NameSize);
        to.Buffer.Span[..to.Size].CopyTo(name);
        _iov[i].Base = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_slots[i]));
        _iov[i].Length = (nuint)datagram.Length;
        _messages[i].Header.Name = _names + (i * NameSize);
        _messages[i].Header.NameLength = (uint)to.Size;
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
                    order[n] = _messages[i];
                    order[n].Header.Iov = &_iov[i];
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

    public void Dispose()
    {
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_names);
        _messages = null;
        _iov = null;
        _names = null;
    }
}
