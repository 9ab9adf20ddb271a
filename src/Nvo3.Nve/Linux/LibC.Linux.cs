using System.Runtime.InteropServices;

namespace Nvo3.Nve.Linux;

/// <summary>
/// The few Linux system calls .NET does not wrap: TUN/TAP, poll, eventfd, setns and socket
/// ioctls. Constants are the x86-64 and arm64 values (the generic ABI both share).
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    public const int ORdWr = 0x2;
    public const int ORdOnly = 0x0;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EBadFd = 77;

    public const short PollIn = 0x1;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    public const int EfdNonBlock = 0x800;
    public const int EfdCloExec = 0x80000;

    public const int CloneNewNet = 0x40000000;

    // _IOW('T', 202, int): attach the descriptor to a new (or existing) TUN/TAP interface.
    public const uint TunSetIff = 0x400454CA;
    public const short IffTap = 0x0002;
    public const short IffNoPi = 0x1000;
    public const uint SiocSIfHwAddr = 0x8924;
    public const ushort ArpHrdEther = 1;

    // Socket queue sizes (linux/sockios.h): unread input, unacknowledged output, output never sent.
    public const uint SiocInQ = 0x541B;
    public const uint SiocOutQ = 0x5411;
    public const uint SiocOutQNsd = 0x894B;

    /// <summary>struct ifreq: a 16-byte name, then a 24-byte union.</summary>
    public const int IfReqSize = 40;
    public const int IfNameSize = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(SafeHandle fd, byte* buffer, nint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(SafeHandle fd, byte* buffer, nint count);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport(Library, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);

    [LibraryImport(Library, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Library, EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, byte* buffer, nint length, int flags, void* address, int addressLength);

    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(SafeHandle fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (56 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: a struct msghdr and the length the kernel received (64 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMmsg(SafeHandle fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(SafeHandle fd, byte* buffer, nint length, int flags);

    public const int MsgPeek = 0x2;
    public const int MsgDontWait = 0x40;

    public const int AfPacket = 17;
    public const int SockRaw = 3;
    public const int SockCloExec = 0x80000;

    [LibraryImport(Library, EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int type);

    // TUN/TAP with a virtio-net header and offloads (linux/if_tun.h).
    public const short IffVnetHdr = 0x4000;
    public const short IffTunExcl = unchecked((short)0x8000);
    public const uint TunSetOffload = 0x400454D0;    // _IOW('T', 208, unsigned int): the argument is the value
    public const uint TunSetVnetHdrSz = 0x400454D8;  // _IOW('T', 216, int): the argument points at the size
    public const uint TunSetVnetLe = 0x400454DC;     // _IOW('T', 220, int): the argument points at 0 or 1

    public const int EIo = 5;
    public const int EBusy = 16;
    public const int EInval = 22;
    public const int EMsgSize = 90;

    // UDP segmentation and receive offload (linux/udp.h).
    public const int SolUdp = 17;
    public const int UdpSegment = 103;
    public const int UdpGro = 104;
    public const int MsgTrunc = 0x20;
    public const int MsgWaitForOne = 0x10000;

    /// <summary>struct cmsghdr on 64-bit Linux: a size_t length, then level and type (16 bytes before the data).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>CMSG_LEN: a control message's header and <paramref name="dataLength"/> bytes of data.</summary>
    public static int CMsgLen(int dataLength) => sizeof(CMsgHdr) + dataLength;

    /// <summary>CMSG_SPACE: what a control message takes in the buffer, padded to 8 bytes.</summary>
    public static int CMsgSpace(int dataLength) => sizeof(CMsgHdr) + ((dataLength + 7) & ~7);

    [LibraryImport(Library, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(SafeHandle fd, MsgHdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "readv", SetLastError = true)]
    public static partial nint ReadV(SafeHandle fd, IoVec* vectors, int count);

    [LibraryImport(Library, EntryPoint = "writev", SetLastError = true)]
    public static partial nint WriteV(SafeHandle fd, IoVec* vectors, int count);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(SafeHandle fd, int level, int name, void* value, uint length);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(SafeHandle fd, int level, int name, void* value, uint* length);

    /// <summary>The message for an errno, as strerror gives it.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
