using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

using Nvo3.Nve.Linux;

namespace Nvo3.Lab.Linux;

/// <summary>
/// Moves established TCP connections with the kernel's TCP_REPAIR (Linux ≥ 4.8, CAP_NET_ADMIN), as
/// CRIU does: <see cref="Freeze"/> puts a socket in repair mode (from then on it neither sends nor
/// acknowledges, and closing it sends neither FIN nor RST) and reads its state;
/// <see cref="Restore"/> builds the same connection in a fresh socket, in any network namespace,
/// and lets it run. The peer sees at most a pause. Only ESTABLISHED connections move.
/// </summary>
/// <remarks>
/// The network side is the caller's: the task's address must be reachable at the new place before
/// the restored socket runs (Layer 2: the same IP and MAC on a port of the destination NVE; Layer 3:
/// the host route moved), and packets that still reach the old place must not meet a kernel that
/// no longer knows the connection (it would answer with a reset): the old NVE pauses the port first,
/// then forwards or drops what arrives late.
/// </remarks>
public static unsafe class TcpRepair
{
    private const int SolTcp = 6;
    private const int TcpMaxSeg = 2;
    private const int TcpInfo = 11;
    private const int TcpRepairMode = 19;
    private const int TcpRepairQueue = 20;
    private const int TcpQueueSeq = 21;
    private const int TcpRepairOptions = 22;
    private const int TcpTimestamp = 24;
    private const int TcpRepairWindowOption = 29;

    private const int NoQueue = 0;
    private const int ReceiveQueue = 1;
    private const int SendQueue = 2;

    private const int TcpOptMss = 2;
    private const int TcpOptWindow = 3;
    private const int TcpOptSackPermitted = 4;
    private const int TcpOptTimestamp = 8;

    private const byte StateEstablished = 1;

    /// <summary>
    /// Freezes <paramref name="socket"/> (TCP_REPAIR on) and reads its state. The socket stays
    /// frozen: close it (silently) once the state is safe elsewhere, or <see cref="Thaw"/> it to go on
    /// here. Throws <see cref="IOException"/> when the kernel refuses (not root, not established).
    /// </summary>
    public static TcpConnectionState Freeze(Socket socket)
    {
        SetInt(socket, TcpRepairMode, 1, "turn repair mode on");
        Span<byte> info = stackalloc byte[8];
        socket.GetRawSocketOption(SolTcp, TcpInfo, info);
        if (info[0] != StateEstablished)
        {
            SetInt(socket, TcpRepairMode, 0, "turn repair mode off");
            throw new IOException($"Only established connections move; this one is in TCP state {info[0]}.");
        }
        byte options = info[5];
        byte sendScale = (byte)(info[6] & 0x0F), receiveScale = (byte)(info[6] >> 4);
        int outq = Ioctl(socket, LibC.SiocOutQ, "SIOCOUTQ");
        int unsent = Ioctl(socket, LibC.SiocOutQNsd, "SIOCOUTQNSD");
        int inq = Ioctl(socket, LibC.SiocInQ, "SIOCINQ");
        int mss = GetInt(socket, TcpMaxSeg);
        uint timestamp = (options & TcpConnectionState.OptionTimestamps) != 0 ? (uint)GetInt(socket, TcpTimestamp) : 0;
        Span<byte> window = stackalloc byte[20];
        socket.GetRawSocketOption(SolTcp, TcpRepairWindowOption, window);
        var (receiveSeq, receiveQueue) = ReadQueue(socket, ReceiveQueue, inq);
        var (sendSeq, sendQueue) = ReadQueue(socket, SendQueue, outq);
        return new TcpConnectionState((IPEndPoint)socket.LocalEndPoint!, (IPEndPoint)socket.RemoteEndPoint!, sendSeq, receiveSeq,
            sendQueue, unsent, receiveQueue, mss, options, sendScale, receiveScale, timestamp,
            new TcpRepairWindow(U32(window, 0), U32(window, 4), U32(window, 8), U32(window, 12), U32(window, 16)));
    }

    /// <summary>Lets a frozen socket run again where it is (a move that was given up).</summary>
    public static void Thaw(Socket socket) => SetInt(socket, TcpRepairMode, 0, "turn repair mode off");

    /// <summary>
    /// Re-creates the connection in network namespace <paramref name="netns"/> (null: the caller's),
    /// which must own <see cref="TcpConnectionState.Local"/>'s address and a route to the peer, and
    /// lets it run: the kernel sends a window probe, and the connection carries on from the first
    /// unacknowledged byte. Throws <see cref="IOException"/> saying which step the kernel refused.
    /// </summary>
    public static Socket Restore(TcpConnectionState state, string? netns = null)
    {
        var socket = netns is null
            ? new Socket(state.Family, SocketType.Stream, ProtocolType.Tcp)
            : NetworkNamespace.Run(netns, () => new Socket(state.Family, SocketType.Stream, ProtocolType.Tcp));
        try
        {
            RestoreInto(socket, state);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void RestoreInto(Socket socket, TcpConnectionState state)
    {
        SetInt(socket, TcpRepairMode, 1, "turn repair mode on");
        Try(() => socket.Bind(state.Local), $"bind {state.Local} (is the address configured here?)");
        // The sequence numbers where each queue starts; the queues' bytes are added below.
        SetInt(socket, TcpRepairQueue, ReceiveQueue, "select the receive queue");
        SetInt(socket, TcpQueueSeq, (int)(state.ReceiveSequence - (uint)state.ReceiveQueue.Length), "set the receive sequence");
        SetInt(socket, TcpRepairQueue, SendQueue, "select the send queue");
        SetInt(socket, TcpQueueSeq, (int)(state.SendSequence - (uint)state.SendQueue.Length), "set the send sequence");
        // In repair mode connect() sends nothing: it only binds the socket to its peer.
        Try(() => socket.Connect(state.Remote), $"connect to {state.Remote} in repair mode (is there a route?)");

        var options = new byte[32];
        int count = 0;
        if ((state.Options & TcpConnectionState.OptionSack) != 0)
        {
            Option(options, count++, TcpOptSackPermitted, 0);
        }
        if ((state.Options & TcpConnectionState.OptionWindowScale) != 0)
        {
            Option(options, count++, TcpOptWindow, state.SendWindowScale | ((uint)state.ReceiveWindowScale << 16));
        }
        if ((state.Options & TcpConnectionState.OptionTimestamps) != 0)
        {
            Option(options, count++, TcpOptTimestamp, 0);
        }
        Option(options, count++, TcpOptMss, (uint)state.Mss);
        var negotiated = options.AsMemory(0, count * 8);
        Try(() => socket.SetRawSocketOption(SolTcp, TcpRepairOptions, negotiated.Span), "set the TCP options");
        if ((state.Options & TcpConnectionState.OptionTimestamps) != 0)
        {
            SetInt(socket, TcpTimestamp, (int)state.Timestamp, "set the timestamp clock");
        }

        // Unread received bytes go back into the receive queue; sent-but-unacknowledged bytes into
        // the send queue as already sent (they are retransmitted if the peer never acknowledges).
        WriteQueue(socket, ReceiveQueue, state.ReceiveQueue);
        int sent = state.SendQueue.Length - state.UnsentBytes;
        WriteQueue(socket, SendQueue, state.SendQueue.AsSpan(0, sent));
        if (state.UnsentBytes > 0)
        {
            // Never sent: hand them to the stack the ordinary way, out of repair mode.
            SetInt(socket, TcpRepairMode, 0, "turn repair mode off for the unsent bytes");
            SendAll(socket, state.SendQueue.AsSpan(sent));
            SetInt(socket, TcpRepairMode, 1, "turn repair mode back on");
        }
        Span<byte> window = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(window, state.Window.SndWl1);
        BinaryPrimitives.WriteUInt32LittleEndian(window[4..], state.Window.SndWnd);
        BinaryPrimitives.WriteUInt32LittleEndian(window[8..], state.Window.MaxWindow);
        BinaryPrimitives.WriteUInt32LittleEndian(window[12..], state.Window.RcvWnd);
        BinaryPrimitives.WriteUInt32LittleEndian(window[16..], state.Window.RcvWup);
        var windowBytes = window.ToArray();
        Try(() => socket.SetRawSocketOption(SolTcp, TcpRepairWindowOption, windowBytes), "restore the window");
        SetInt(socket, TcpRepairQueue, NoQueue, "leave the queues");
        // Off: the kernel sends a window probe, and the connection runs.
        SetInt(socket, TcpRepairMode, 0, "turn repair mode off");
    }

    private static (uint Sequence, byte[] Bytes) ReadQueue(Socket socket, int queue, int length)
    {
        SetInt(socket, TcpRepairQueue, queue, "select a queue");
        uint sequence = (uint)GetInt(socket, TcpQueueSeq);
        var bytes = new byte[length];
        if (length > 0)
        {
            // In repair mode a peek reads the selected queue whole without consuming it; one byte
            // more than expected proves there was not more. The call goes to the kernel directly:
            // Socket.Receive on a socket that had asynchronous receives may wait for a readiness
            // event first, and a frozen connection never gets one.
            var buffer = new byte[length + 1];
            nint n;
            fixed (byte* p = buffer)
            {
                n = LibC.Recv(socket.SafeHandle, p, buffer.Length, LibC.MsgPeek | LibC.MsgDontWait);
            }
            if (n < 0)
            {
                throw new IOException($"Reading the {(queue == SendQueue ? "send" : "receive")} queue failed: {LibC.Describe(Marshal.GetLastPInvokeError())}.");
            }
            if (n != length)
            {
                throw new IOException($"The {(queue == SendQueue ? "send" : "receive")} queue holds {n} bytes, the kernel said {length}.");
            }
            buffer.AsSpan(0, length).CopyTo(bytes);
        }
        SetInt(socket, TcpRepairQueue, NoQueue, "leave the queues");
        return (sequence, bytes);
    }

    private static void WriteQueue(Socket socket, int queue, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }
        SetInt(socket, TcpRepairQueue, queue, "select a queue");
        SendAll(socket, bytes);
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> bytes)
    {
        // In repair mode the kernel takes each send as one buffer: large queues go in chunks.
        int chunk = Math.Min(bytes.Length, 64 * 1024);
        while (!bytes.IsEmpty)
        {
            int n;
            try
            {
                n = socket.Send(bytes[..Math.Min(chunk, bytes.Length)]);
            }
            catch (SocketException) when (chunk > 1024)
            {
                chunk /= 2;
                continue;
            }
            catch (SocketException ex)
            {
                throw new IOException($"The kernel refused {bytes.Length} queued bytes: {ex.Message}", ex);
            }
            bytes = bytes[n..];
        }
    }

    private static void Option(Span<byte> options, int index, int code, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(options[(index * 8)..], (uint)code);
        BinaryPrimitives.WriteUInt32LittleEndian(options[(index * 8 + 4)..], value);
    }

    private static uint U32(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);

    private static int GetInt(Socket socket, int name)
    {
        Span<byte> value = stackalloc byte[4];
        socket.GetRawSocketOption(SolTcp, name, value);
        return BinaryPrimitives.ReadInt32LittleEndian(value);
    }

    private static void SetInt(Socket socket, int name, int value, string what)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Try(() => socket.SetRawSocketOption(SolTcp, name, bytes), what);
    }

    private static int Ioctl(Socket socket, uint request, string name)
    {
        int value = 0;
        if (LibC.Ioctl(socket.SafeHandle, request, &value) != 0)
        {
            throw new IOException($"{name} failed: {LibC.Describe(Marshal.GetLastPInvokeError())}.");
        }
        return value;
    }

    private static void Try(Action step, string what)
    {
        try
        {
            step();
        }
        catch (SocketException ex)
        {
            throw new IOException($"TCP_REPAIR: cannot {what}: {ex.Message} (TCP_REPAIR needs CAP_NET_ADMIN).", ex);
        }
    }
}
