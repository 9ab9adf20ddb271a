using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nvo3.Lab.Linux;

/// <summary>
/// An established TCP connection, packaged to move (what CRIU's soccr dumps): the endpoints, both
/// sequence numbers, the bytes still queued each way, the options negotiated at the handshake, the
/// timestamp clock and the window. It is what TCP_REPAIR reads from a frozen socket and writes
/// into a new one, on this host or another; nothing in it depends on the namespace it came from.
/// </summary>
/// <param name="Local">The task's own address and port (the address moves with the task).</param>
/// <param name="Remote">The peer's.</param>
/// <param name="SendSequence">write_seq: the sequence number after the last byte queued to send.</param>
/// <param name="ReceiveSequence">rcv_nxt: the next sequence number expected from the peer.</param>
/// <param name="SendQueue">Bytes queued to send: the unacknowledged ones, then the never-sent ones.</param>
/// <param name="UnsentBytes">How many of <paramref name="SendQueue"/>'s last bytes were never sent.</param>
/// <param name="ReceiveQueue">Bytes received and acknowledged that the application has not read yet.</param>
/// <param name="Mss">The MSS clamp.</param>
/// <param name="Options">TCPI_OPT_* bits: 1 timestamps, 2 SACK, 4 window scaling.</param>
/// <param name="SendWindowScale">The peer's window scale.</param>
/// <param name="ReceiveWindowScale">Ours.</param>
/// <param name="Timestamp">The connection's TCP timestamp clock now (so the peer's PAWS check keeps passing).</param>
/// <param name="Window">snd_wl1, snd_wnd, max_window, rcv_wnd, rcv_wup (TCP_REPAIR_WINDOW).</param>
public sealed record TcpConnectionState(
    IPEndPoint Local,
    IPEndPoint Remote,
    uint SendSequence,
    uint ReceiveSequence,
    byte[] SendQueue,
    int UnsentBytes,
    byte[] ReceiveQueue,
    int Mss,
    byte Options,
    byte SendWindowScale,
    byte ReceiveWindowScale,
    uint Timestamp,
    TcpRepairWindow Window)
{
    private const uint Magic = 0x4E335443; // "N3TC"
    private const byte Version = 1;

    /// <summary>TCPI_OPT_TIMESTAMPS.</summary>
    public const byte OptionTimestamps = 1;

    /// <summary>TCPI_OPT_SACK.</summary>
    public const byte OptionSack = 2;

    /// <summary>TCPI_OPT_WSCALE.</summary>
    public const byte OptionWindowScale = 4;

    /// <summary>The package: magic, version, then every field big-endian, the queues length-prefixed.</summary>
    public byte[] ToBytes()
    {
        var local = Local.Address.GetAddressBytes();
        var remote = Remote.Address.GetAddressBytes();
        if (local.Length != remote.Length)
        {
            throw new InvalidOperationException($"A TCP connection has one address family; {Local} and {Remote} do not.");
        }
        var bytes = new byte[4 + 1 + 1 + local.Length + 2 + remote.Length + 2 + 4 + 4 + 4 + SendQueue.Length + 4 + 4 + ReceiveQueue.Length + 4 + 1 + 1 + 1 + 4 + 20];
        var w = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(w, Magic);
        w[4] = Version;
        w[5] = (byte)local.Length;
        int at = 6;
        local.CopyTo(w[at..]);
        at += local.Length;
        BinaryPrimitives.WriteUInt16BigEndian(w[at..], (ushort)Local.Port);
        at += 2;
        remote.CopyTo(w[at..]);
        at += remote.Length;
        BinaryPrimitives.WriteUInt16BigEndian(w[at..], (ushort)Remote.Port);
        at += 2;
        at = WriteU32(w, at, SendSequence);
        at = WriteU32(w, at, ReceiveSequence);
        at = WriteU32(w, at, (uint)SendQueue.Length);
        SendQueue.CopyTo(w[at..]);
        at += SendQueue.Length;
        at = WriteU32(w, at, (uint)UnsentBytes);
        at = WriteU32(w, at, (uint)ReceiveQueue.Length);
        ReceiveQueue.CopyTo(w[at..]);
        at += ReceiveQueue.Length;
        at = WriteU32(w, at, (uint)Mss);
        w[at++] = Options;
        w[at++] = SendWindowScale;
        w[at++] = ReceiveWindowScale;
        at = WriteU32(w, at, Timestamp);
        at = WriteU32(w, at, Window.SndWl1);
        at = WriteU32(w, at, Window.SndWnd);
        at = WriteU32(w, at, Window.MaxWindow);
        at = WriteU32(w, at, Window.RcvWnd);
        WriteU32(w, at, Window.RcvWup);
        return bytes;
    }

    /// <summary>Reads a package; false with a reason when it is not one (truncated, wrong magic or version, lengths that do not add up).</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out TcpConnectionState? state, out string? error)
    {
        state = null;
        var r = new Reader(bytes);
        if (!r.U32(out uint magic) || magic != Magic)
        {
            error = "not a TCP connection package (magic)";
            return false;
        }
        if (!r.U8(out byte version) || version != Version)
        {
            error = $"package version {version}, this reads {Version}";
            return false;
        }
        if (!r.U8(out byte family) || family is not (4 or 16)
            || !r.Bytes(family, out var local) || !r.U16(out ushort localPort)
            || !r.Bytes(family, out var remote) || !r.U16(out ushort remotePort)
            || !r.U32(out uint sendSeq) || !r.U32(out uint receiveSeq)
            || !r.U32(out uint sendLength) || !r.Bytes((int)Math.Min(sendLength, int.MaxValue), out var sendQueue)
            || !r.U32(out uint unsent) || unsent > sendLength
            || !r.U32(out uint receiveLength) || !r.Bytes((int)Math.Min(receiveLength, int.MaxValue), out var receiveQueue)
            || !r.U32(out uint mss) || !r.U8(out byte options) || !r.U8(out byte sendScale) || !r.U8(out byte receiveScale)
            || !r.U32(out uint timestamp)
            || !r.U32(out uint wl1) || !r.U32(out uint wnd) || !r.U32(out uint max) || !r.U32(out uint rwnd) || !r.U32(out uint rwup))
        {
            error = "truncated or inconsistent TCP connection package";
            return false;
        }
        if (!r.AtEnd)
        {
            error = "trailing bytes after the TCP connection package";
            return false;
        }
        state = new TcpConnectionState(new IPEndPoint(new IPAddress(local), localPort), new IPEndPoint(new IPAddress(remote), remotePort),
            sendSeq, receiveSeq, sendQueue, (int)unsent, receiveQueue, (int)mss, options, sendScale, receiveScale, timestamp,
            new TcpRepairWindow(wl1, wnd, max, rwnd, rwup));
        error = null;
        return true;
    }

    /// <summary>The address family.</summary>
    public AddressFamily Family => Local.AddressFamily;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Local} ↔ {Remote} snd {SendSequence} ({SendQueue.Length} queued, {UnsentBytes} unsent) rcv {ReceiveSequence} ({ReceiveQueue.Length} unread) mss {Mss} opts {Options} ws {SendWindowScale}/{ReceiveWindowScale}";

    private static int WriteU32(Span<byte> w, int at, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(w[at..], value);
        return at + 4;
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private ReadOnlySpan<byte> _rest = bytes;

        public readonly bool AtEnd => _rest.IsEmpty;

        public bool U8(out byte value)
        {
            value = 0;
            if (_rest.Length < 1)
            {
                return false;
            }
            value = _rest[0];
            _rest = _rest[1..];
            return true;
        }

        public bool U16(out ushort value)
        {
            value = 0;
            if (_rest.Length < 2)
            {
                return false;
            }
            value = BinaryPrimitives.ReadUInt16BigEndian(_rest);
            _rest = _rest[2..];
            return true;
        }

        public bool U32(out uint value)
        {
            value = 0;
            if (_rest.Length < 4)
            {
                return false;
            }
            value = BinaryPrimitives.ReadUInt32BigEndian(_rest);
            _rest = _rest[4..];
            return true;
        }

        public bool Bytes(int length, out byte[] value)
        {
            value = [];
            if (length < 0 || _rest.Length < length)
            {
                return false;
            }
            value = _rest[..length].ToArray();
            _rest = _rest[length..];
            return true;
        }
    }
}

/// <summary>struct tcp_repair_window: what the two ends last agreed about the windows.</summary>
/// <param name="SndWl1">The sequence number of the segment that last updated the send window.</param>
/// <param name="SndWnd">The peer's advertised window.</param>
/// <param name="MaxWindow">The largest window the peer ever advertised.</param>
/// <param name="RcvWnd">Our advertised window.</param>
/// <param name="RcvWup">rcv_nxt when we last advertised it.</param>
public readonly record struct TcpRepairWindow(uint SndWl1, uint SndWnd, uint MaxWindow, uint RcvWnd, uint RcvWup);
