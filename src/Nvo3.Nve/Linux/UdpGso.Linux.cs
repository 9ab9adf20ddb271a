using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Nvo3.Nve.Linux;

/// <summary>
/// UDP segmentation offload on send (<c>UDP_SEGMENT</c>, Linux 4.18+): one <c>sendmsg</c> carries
/// datagrams laid out back to back, all <c>segmentSize</c> bytes but the last (which may be
/// shorter), and the kernel cuts them into that many datagrams, each with its own UDP and IP
/// header, as late as the NIC allows. This is how <see cref="Packets.TcpSegmenter"/>'s output
/// leaves: one system call for up to 64 segments instead of one each.
/// </summary>
/// <remarks>
/// The kernel's limits per call (net/ipv4/udp.c <c>udp_send_skb</c>, ip_output.c
/// <c>__ip_append_data</c>), checked by the tests: at most <c>UDP_MAX_SEGMENTS</c> segments (EINVAL
/// beyond: 64 since Linux 4.18, 128 on newer kernels such as 6.18; Nvo3 keeps to
/// <see cref="MaxSegments"/> = 64, which every kernel takes and which a 64 KiB super-frame of
/// 1448-byte segments, 46 of them, never reaches), at most <see cref="MaxPayload"/> bytes in all
/// (EMSGSIZE beyond), and a segment plus the IP and UDP headers must fit the path MTU (EMSGSIZE).
/// <see cref="Send"/> cuts a longer run into as many calls as the first two need; the third is the
/// caller's (the inner MTU).
/// </remarks>
[SupportedOSPlatform("linux")]
internal static unsafe class UdpGso
{
    /// <summary>The most datagrams Nvo3 puts in one send: <c>UDP_MAX_SEGMENTS</c> of the kernels that kept it at 64 (include/linux/udp.h).</summary>
    public const int MaxSegments = 64;

    /// <summary>
    /// The most UDP payload one send may carry before segmentation: the 64 KiB of an IP packet less
    /// the IPv4 and UDP headers (65507), or for IPv6, whose payload length excludes its own header,
    /// less the UDP header (65527).
    /// </summary>
    public static int MaxPayload(bool v6) => v6 ? ushort.MaxValue - 8 : ushort.MaxValue - 20 - 8;

    /// <summary>The bytes of the next send from a run of <paramref name="remaining"/> bytes: whole segments up to the limits, or all that is left.</summary>
    public static int ChunkLength(int remaining, int segmentSize, bool v6) =>
        Math.Min(remaining, Math.Min(MaxSegments, MaxPayload(v6) / segmentSize) * segmentSize);

    /// <summary>
    /// Sends <paramref name="datagrams"/> to <paramref name="to"/> as datagrams of
    /// <paramref name="segmentSize"/> bytes (the last may be shorter), in as few <c>sendmsg</c>
    /// calls as the kernel's limits allow. Returns the datagrams the kernel took; when it refused a
    /// call, <paramref name="errno"/> says why and the rest is not sent.
    /// </summary>
    public static int Send(Socket socket, ReadOnlySpan<byte> datagrams, int segmentSize, SocketAddress to, out int errno)
    {
        bool v6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
        if (segmentSize < 1 || segmentSize > MaxPayload(v6))
        {
            throw new ArgumentOutOfRangeException(nameof(segmentSize), $"A UDP segment has 1 to {MaxPayload(v6)} bytes.");
        }
        if (to.Size > MessageVectors.NameSize)
        {
            throw new ArgumentException("Not an IPv4 or IPv6 socket address.", nameof(to));
        }
        byte* name = stackalloc byte[MessageVectors.NameSize];
        to.Buffer.Span[..to.Size].CopyTo(new Span<byte>(name, MessageVectors.NameSize));
        errno = 0;
        int sent = 0;
        int at = 0;
        fixed (byte* data = datagrams)
        {
            while (at < datagrams.Length)
            {
                int chunk = ChunkLength(datagrams.Length - at, segmentSize, v6);
                if (SendOnce(socket, data + at, chunk, segmentSize, name, to.Size, out errno) < 0)
                {
                    return sent;
                }
                sent += (chunk + segmentSize - 1) / segmentSize;
                at += chunk;
            }
        }
        return sent;
    }

    /// <summary>One <c>sendmsg</c> with a <c>UDP_SEGMENT</c> control message; returns its result (negative with <paramref name="errno"/> on failure).</summary>
    internal static nint SendOnce(Socket socket, byte* data, int length, int segmentSize, byte* name, int nameLength, out int errno)
    {
        int controlLength = LibC.CMsgSpace(sizeof(ushort));
        byte* control = stackalloc byte[controlLength];
        WriteSegmentControl(control, controlLength, (ushort)segmentSize);
        var iov = new LibC.IoVec { Base = data, Length = (nuint)length };
        var message = new LibC.MsgHdr
        {
            Name = name,
            NameLength = (uint)nameLength,
            Iov = &iov,
            IovLength = 1,
            Control = control,
            ControlLength = (nuint)controlLength,
        };
        nint result;
        try
        {
            result = LibC.SendMsg(socket.SafeHandle, &message, 0);
        }
        catch (ObjectDisposedException)
        {
            errno = LibC.EBadFd;
            return -1;
        }
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    /// <summary>Writes the <c>UDP_SEGMENT</c> control message: level SOL_UDP, a 16-bit segment size (udp_cmsg_send reads a __u16).</summary>
    internal static void WriteSegmentControl(byte* control, int controlLength, ushort segmentSize)
    {
        new Span<byte>(control, controlLength).Clear();
        var header = (LibC.CMsgHdr*)control;
        header->Length = (nuint)LibC.CMsgLen(sizeof(ushort));
        header->Level = LibC.SolUdp;
        header->Type = LibC.UdpSegment;
        *(ushort*)(control + sizeof(LibC.CMsgHdr)) = segmentSize;
    }
}
