using System.Runtime.InteropServices;

namespace Nvo3.Nve.Linux;

/// <summary>The calls a unix datagram socket pair needs: the pair itself, descriptor flags, buffer sizes.</summary>
internal static unsafe partial class LibC
{
    public const int AfUnix = 1;
    public const int SockDgram = 2;
    public const int SockNonBlock = 0x800;

    public const int FGetFd = 1;
    public const int FSetFd = 2;
    public const int FSetFl = 4;
    public const int FdCloExec = 1;

    public const int SolSocket = 1;
    public const int SoSndBuf = 7;
    public const int SoRcvBuf = 8;

    [LibraryImport(Library, EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(SafeHandle fd, int command, int argument);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, int length);
}
