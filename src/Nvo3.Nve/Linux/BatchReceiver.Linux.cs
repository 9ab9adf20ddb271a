using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nvo3.Packets;

namespace Nvo3.Nve.Linux;

/// <summary>
/// Reads every datagram already queued on a UDP socket with one recvmmsg(2), straight into the
/// buffers of an <see cref="UnderlayBatch"/> (allocated pinned), with their senders. Its vectors
/// live in native memory, built once; nothing is allocated per call.
/// </summary>
internal sealed unsafe class BatchReceiver : IDisposable
{
    private const int NameSize = 28; // sizeof(struct sockaddr_in6), the larger of the two families
    private const ushort AfInet6 = 10;

    private readonly int _capacity;
    private LibC.MMsgHdr* _messages;
    private LibC.IoVec* _iov;
    private byte* _names;

    /// <summary>Points one message at each buffer of <paramref name="batch"/>, each with room for <paramref name="readLength"/> bytes.</summary>
    public BatchReceiver(UnderlayBatch batch, int readLength)
    {
        if (sizeof(LibC.MMsgHdr) != 64 || sizeof(LibC.MsgHdr) != 56)
        {
            throw new PlatformNotSupportedException("recvmmsg batches need the 64-bit Linux layout of struct mmsghdr.");
        }
        _capacity = batch.Capacity;
        _messages = (LibC.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(_capacity * sizeof(LibC.MMsgHdr)));
        _iov = (LibC.IoVec*)NativeMemory.AllocZeroed((nuint)(_capacity * sizeof(LibC.IoVec)));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(_capacity * NameSize));
        for (int i = 0; i < _capacity; i++)
        {
            // The batch's buffers are on the pinned object heap: their addresses never change.
            _iov[i].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(batch.Buffer(i))) + UnderlayBatch.Headroom;
            _iov[i].Length = (nuint)readLength;
            _messages[i].Header.Iov = &_iov[i];
            _messages[i].Header.IovLength = 1;
            _messages[i].Header.Name = _names + (i * NameSize);
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
        for (int i = first; i < _capacity; i++)
        {
            _messages[i].Header.NameLength = NameSize;
            _messages[i].Header.Flags = 0;
            _messages[i].Length = 0;
        }
        int n;
        try
        {
            n = LibC.RecvMmsg(socket.SafeHandle, _messages + first, (uint)room, LibC.MsgDontWait, null);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        if (n <= 0)
        {
            return 0; // EAGAIN (nothing queued), or the socket went away: the next blocking read says which
        }
        for (int i = first; i < first + n; i++)
        {
            var name = new ReadOnlySpan<byte>(_names + (i * NameSize), NameSize);
            ushort port = (ushort)((name[2] << 8) | name[3]);
            var sender = BitConverter.ToUInt16(name) == AfInet6 ? IpAddr.ReadV6(name[8..]) : IpAddr.ReadV4(name[4..]);
            batch.Set(i, (int)_messages[i].Length, sender, port);
        }
        return n;
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
