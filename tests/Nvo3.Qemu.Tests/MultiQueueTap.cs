using System.Runtime.InteropServices;
using System.Text;

namespace Nvo3.Qemu.Tests;

/// <summary>
/// One queue of a multi-queue TAP (IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE): each descriptor opened
/// on the same name is another queue of the same device. Non-blocking; for the sharing test only.
/// </summary>
internal sealed unsafe partial class MultiQueueTap : IDisposable
{
    private const uint TunSetIff = 0x400454CA;
    private const short IffTap = 0x0002, IffNoPi = 0x1000, IffMultiQueue = 0x0100;
    private const int ORdWr = 2, ONonBlock = 0x800, OCloExec = 0x80000;

    private readonly int _fd;

    public MultiQueueTap(string name)
    {
        _fd = Open("/dev/net/tun", ORdWr | ONonBlock | OCloExec);
        if (_fd < 0)
        {
            throw new IOException($"open /dev/net/tun: errno {Marshal.GetLastPInvokeError()}");
        }
        byte* ifr = stackalloc byte[40];
        new Span<byte>(ifr, 40).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, 15));
        *(short*)(ifr + 16) = IffTap | IffNoPi | IffMultiQueue;
        if (Ioctl(_fd, TunSetIff, ifr) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Close(_fd);
            throw new IOException($"TUNSETIFF {name}: errno {errno}");
        }
    }

    public void Write(ReadOnlySpan<byte> frame)
    {
        fixed (byte* p = frame)
        {
            if (WriteFd(_fd, p, frame.Length) != frame.Length)
            {
                throw new IOException($"write: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    /// <summary>Every frame queued on this queue now (EAGAIN ends it).</summary>
    public List<byte[]> ReadAll()
    {
        var frames = new List<byte[]>();
        var buffer = new byte[2048];
        while (true)
        {
            nint n;
            fixed (byte* p = buffer)
            {
                n = ReadFd(_fd, p, buffer.Length);
            }
            if (n <= 0)
            {
                return frames;
            }
            frames.Add(buffer[..(int)n]);
        }
    }

    public void Dispose() => Close(_fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadFd(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteFd(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
