using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nvo3.Nve.Linux;

/// <summary>
/// Reads every datagram already queued on a UDP socket with one recvmmsg(2), straight into the
/// buffers of an <see cref="UnderlayBatch"/> (allocated pinned), with their senders. Its vectors
/// live in native memory, built once; nothing is allocated per call.
/// </summary>
internal sealed unsafe class BatchReceiver : IDisposable
{
    private readonly int _capacity;
    private readonly MessageVectors _vectors;

    /// <summary>Points one message at each buffer of <paramref name="batch"/>, each with room for <paramref name="readLength"/> bytes.</summary>
    public BatchReceiver(UnderlayBatch batch, int readLength)
    {
        _capacity = batch.Capacity;
        _vectors = new MessageVectors(_capacity);
        var messages = _vectors.Messages;
        var iov = _vectors.Iov;
        for (int i = 0; i < _capacity; i++)
        {
            // The batch's buffers are on the pinned object heap: their addresses never change.
            iov[i].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(batch.Buffer(i))) + UnderlayBatch.Headroom;
            iov[i].Length = (nuint)readLength;
            messages[i].Header.Iov = &iov[i];
            messages[i].Header.IovLength = 1;
            messages[i].Header.Name = _vectors.Name(i);
        }
    }

    /// <summary>
    /// Reads queued datagrams into the batch from slot <paramref name="first"/> on, without
    /// waiting; returns how many it read (0 when none was queued or the socket is closed).
    /// </summary>
    public int ReadQueued(Socket socket, UnderlayBatch batch, int first)
    {
        int room = _capacity - first;
        if (room <= 0)
        {
            return 0;
        }
        var messages = _vectors.Messages;
        for (int i = first; i < _capacity; i++)
        {
            messages[i].Header.NameLength = MessageVectors.NameSize;
            messages[i].Header.Flags = 0;
            messages[i].Length = 0;
        }
        int n;
        try
        {
            n = LibC.RecvMmsg(socket.SafeHandle, messages + first, (uint)room, LibC.MsgDontWait, null);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        if (n <= 0)
        {
            return 0; // EAGAIN (nothing queued), or the socket went away: the next blocking read says which
        }
        bool v6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
        for (int i = first; i < first + n; i++)
        {
            var sender = UdpUnderlay.ReadSender(new ReadOnlySpan<byte>(_vectors.Name(i), MessageVectors.NameSize), v6, out ushort port);
            batch.Set(i, (int)messages[i].Length, sender, port);
        }
        return n;
    }

    public void Dispose() => _vectors.Dispose();
}
