using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Nvo3.Packets;

namespace Nvo3.Nve.Linux;

/// <summary>
/// UDP receive offload (<c>UDP_GRO</c>, Linux 5.0+): with it on, the kernel may hand one read
/// several datagrams of one flow, back to back, all of one size but the last, and says that size
/// in a <c>UDP_GRO</c> control message (an int, udp_cmsg_recv). This reads every message queued
/// with one <c>recvmmsg(2)</c> into its own pinned 64 KiB buffers, with each message's sender and
/// segment size, and splits them back into datagrams. Nothing is allocated per read; one owner thread.
/// </summary>
/// <remarks>
/// What arrives coalesced: a GSO send (one <c>sendmsg</c> with <c>UDP_SEGMENT</c>) stays whole
/// up to a socket with <c>UDP_GRO</c>, on loopback too; datagrams sent one by one are coalesced by
/// the GRO of a NIC or veth that runs it, not on loopback. A message without the control message
/// is a single datagram.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed unsafe class UdpGroReceiver : IDisposable
{
    /// <summary>Room for the largest coalesced read (64 KiB); a message that fills it was cut short and is marked so.</summary>
    public const int BufferLength = 65536;

    private const int ControlLength = 64;

    private readonly MessageVectors _vectors;
    private readonly byte[][] _buffers;
    private readonly int[] _lengths;
    private readonly int[] _segmentSizes;
    private readonly bool[] _truncated;
    private byte* _control;

    /// <summary>Room for <paramref name="capacity"/> messages of up to 64 KiB each.</summary>
    public UdpGroReceiver(int capacity = 16)
    {
        _vectors = new MessageVectors(capacity);
        _buffers = new byte[capacity][];
        _lengths = new int[capacity];
        _segmentSizes = new int[capacity];
        _truncated = new bool[capacity];
        _control = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * ControlLength));
        for (int i = 0; i < capacity; i++)
        {
            _buffers[i] = GC.AllocateArray<byte>(BufferLength, pinned: true);
            _vectors.Iov[i] = new LibC.IoVec { Base = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffers[i])), Length = BufferLength };
            _vectors.Messages[i].Header.Iov = &_vectors.Iov[i];
            _vectors.Messages[i].Header.IovLength = 1;
            _vectors.Messages[i].Header.Name = _vectors.Name(i);
            _vectors.Messages[i].Header.Control = _control + (i * ControlLength);
        }
    }

    /// <summary>Messages read by the last call.</summary>
    public int Count { get; private set; }

    /// <summary>Turns <c>UDP_GRO</c> on for <paramref name="socket"/>; throws <see cref="IOException"/> when the kernel refuses (before 5.0).</summary>
    public static void Enable(Socket socket)
    {
        int on = 1;
        if (LibC.SetSockOpt(socket.SafeHandle, LibC.SolUdp, LibC.UdpGro, &on, sizeof(int)) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot turn UDP_GRO on: {LibC.Describe(errno)}.");
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> (-1: without limit) for the socket to be readable, then
    /// reads what is queued. Returns how many messages; 0 on timeout or when the socket was shut down
    /// or closed (a loop that must stop shuts the socket down, or waits with a finite timeout).
    /// </summary>
    public int Receive(Socket socket, int timeoutMs)
    {
        bool added = false;
        var handle = socket.SafeHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = new LibC.PollFd { Fd = (int)handle.DangerousGetHandle(), Events = LibC.PollIn };
            int ready;
            do
            {
                ready = LibC.Poll(&fd, 1, timeoutMs);
            }
            while (ready < 0 && Marshal.GetLastPInvokeError() == LibC.EIntr);
            if (ready <= 0 || (fd.REvents & (LibC.PollErr | LibC.PollNval)) != 0)
            {
                Count = 0;
                return 0;
            }
        }
        catch (ObjectDisposedException)
        {
            Count = 0;
            return 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
        return ReadQueued(socket);
    }

    /// <summary>Reads every message already queued (up to the capacity) without waiting; returns how many.</summary>
    public int ReadQueued(Socket socket)
    {
        var messages = _vectors.Messages;
        for (int i = 0; i < _buffers.Length; i++)
        {
            messages[i].Header.NameLength = MessageVectors.NameSize;
            messages[i].Header.ControlLength = ControlLength;
            messages[i].Header.Flags = 0;
            messages[i].Length = 0;
        }
        int n;
        try
        {
            n = LibC.RecvMmsg(socket.SafeHandle, messages, (uint)_buffers.Length, LibC.MsgDontWait, null);
        }
        catch (ObjectDisposedException)
        {
            n = 0;
        }
        n = Math.Max(n, 0);
        for (int i = 0; i < n; i++)
        {
            _lengths[i] = (int)messages[i].Length;
            _truncated[i] = (messages[i].Header.Flags & LibC.MsgTrunc) != 0;
            _segmentSizes[i] = ReadSegmentSize(messages[i].Header);
        }
        Count = n;
        return n;
    }

    /// <summary>Message <paramref name="i"/>: one datagram, or several of <see cref="SegmentSize"/> bytes back to back.</summary>
    public ReadOnlySpan<byte> Message(int i) => _buffers[i].AsSpan(0, Math.Min(_lengths[i], BufferLength));

    /// <summary>The size of each datagram of message <paramref name="i"/> but the last; 0 when it is a single datagram.</summary>
    public int SegmentSize(int i) => _segmentSizes[i];

    /// <summary>True when message <paramref name="i"/> was longer than the buffer and cut short.</summary>
    public bool Truncated(int i) => _truncated[i];

    /// <summary>How many datagrams message <paramref name="i"/> holds.</summary>
    public int DatagramCount(int i) => _segmentSizes[i] == 0 ? 1 : (_lengths[i] + _segmentSizes[i] - 1) / _segmentSizes[i];

    /// <summary>Datagram <paramref name="k"/> of message <paramref name="i"/>.</summary>
    public ReadOnlySpan<byte> Datagram(int i, int k)
    {
        var message = Message(i);
        int size = _segmentSizes[i];
        if (size == 0)
        {
            return k == 0 ? message : throw new ArgumentOutOfRangeException(nameof(k));
        }
        return message.Slice(k * size, Math.Min(size, message.Length - (k * size)));
    }

    /// <summary>The sender of message <paramref name="i"/>.</summary>
    public IpAddr Sender(int i, out ushort port, bool v6) =>
        UdpUnderlay.ReadSender(new ReadOnlySpan<byte>(_vectors.Name(i), MessageVectors.NameSize), v6, out port);

    // The UDP_GRO control message, if the kernel sent one: an int, the segment size.
    private static int ReadSegmentSize(in LibC.MsgHdr header)
    {
        byte* at = (byte*)header.Control;
        byte* end = at + header.ControlLength;
        while (at + sizeof(LibC.CMsgHdr) <= end)
        {
            var cmsg = (LibC.CMsgHdr*)at;
            if (cmsg->Length < (nuint)sizeof(LibC.CMsgHdr))
            {
                break;
            }
            if (cmsg->Level == LibC.SolUdp && cmsg->Type == LibC.UdpGro && cmsg->Length >= (nuint)LibC.CMsgLen(sizeof(int)))
            {
                return *(int*)(at + sizeof(LibC.CMsgHdr));
            }
            at += (int)((cmsg->Length + 7) & ~(nuint)7);
        }
        return 0;
    }

    public void Dispose()
    {
        _vectors.Dispose();
        NativeMemory.Free(_control);
        _control = null;
    }
}
