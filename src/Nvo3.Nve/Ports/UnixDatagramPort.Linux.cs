using System.Runtime.InteropServices;
using Nvo3.Nve.Linux;

namespace Nvo3.Nve;

/// <summary>
/// A tenant port on one end of a unix datagram socket pair, one datagram per Ethernet frame: the
/// other end is the guest's, handed to QEMU as an inherited descriptor
/// (<c>-netdev dgram,local.type=fd,local.str=N</c>). A socket pair has no path to clean up and no
/// other sender can reach it. Reads drain the socket until EAGAIN into the batch and only then wait
/// in poll(), as <see cref="TapPort"/> does; nothing is allocated per frame.
/// </summary>
/// <remarks>
/// Owns both ends and an eventfd that wakes the reader. The NVE keeps its own copy of the guest's
/// end so that, once the guest's QEMU has stopped for good (a migration's switchover), the frames
/// it never took can be read back (<see cref="DrainGuestEnd"/>) and sent after the guest instead
/// of being lost. The receive-queue limit net.unix.max_dgram_qlen does not apply between the two
/// ends of a pair (the kernel checks it only for a receiver connected elsewhere); the 4 MiB socket
/// buffers bound what waits, and past them <see cref="Send"/> drops and counts.
/// </remarks>
public sealed unsafe class UnixDatagramPort : ITenantPort
{
    private const int SocketBufferBytes = 4 << 20;

    private readonly FileDescriptor _socket;
    private readonly FileDescriptor _guest;
    private readonly FileDescriptor _wake;
    private CancellationToken _registeredToken;
    private CancellationTokenRegistration _registration;
    private volatile bool _closed;
    private long _writeFailures;

    private UnixDatagramPort(FileDescriptor socket, FileDescriptor guest, FileDescriptor wake, string name)
    {
        _socket = socket;
        _guest = guest;
        _wake = wake;
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Frames the guest's end refused on <see cref="Send"/> (its queue full, or its QEMU gone).</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>
    /// The guest's end: a descriptor without close-on-exec until <see cref="SealGuestEnd"/>, so the
    /// QEMU started next inherits it under this number.
    /// </summary>
    public int GuestDescriptor => _guest.Fd;

    /// <summary>Makes a socket pair; the guest's end is inheritable until <see cref="SealGuestEnd"/>. Throws <see cref="IOException"/> saying why it cannot.</summary>
    public static UnixDatagramPort CreatePair(string name)
    {
        int* fds = stackalloc int[2];
        if (LibC.SocketPair(LibC.AfUnix, LibC.SockDgram, 0, fds) != 0)
        {
            throw new IOException($"Cannot make a unix datagram socket pair for {name}: {LibC.Describe(Marshal.GetLastPInvokeError())}.");
        }
        var socket = new FileDescriptor(fds[0]);
        var guest = new FileDescriptor(fds[1]);
        try
        {
            // Ours: non-blocking and private to this process. The guest's: QEMU sets it non-blocking itself.
            Check(LibC.Fcntl(socket, LibC.FSetFd, LibC.FdCloExec), name, "mark our end close-on-exec");
            Check(LibC.Fcntl(socket, LibC.FSetFl, LibC.ONonBlock), name, "make our end non-blocking");
            int size = SocketBufferBytes;
            foreach (int fd in (int[])[fds[0], fds[1]])
            {
                LibC.SetSockOpt(fd, LibC.SolSocket, LibC.SoSndBuf, &size, sizeof(int));
                LibC.SetSockOpt(fd, LibC.SolSocket, LibC.SoRcvBuf, &size, sizeof(int));
            }
            int wake = LibC.EventFd(0, LibC.EfdNonBlock | LibC.EfdCloExec);
            Check(wake, name, "make an eventfd");
            return new UnixDatagramPort(socket, guest, new FileDescriptor(wake), name);
        }
        catch
        {
            socket.Dispose();
            guest.Dispose();
            throw;
        }
    }

    /// <summary>Marks the guest's end close-on-exec: its QEMU has it now, later children must not.</summary>
    public void SealGuestEnd() => Check(LibC.Fcntl(_guest, LibC.FSetFd, LibC.FdCloExec), Name, "mark the guest's end close-on-exec");

    /// <summary>
    /// Reads the frames queued at the guest's end that its QEMU never took (call only once that
    /// QEMU has stopped for good: they would be its to read otherwise) into <paramref name="batch"/>;
    /// returns how many.
    /// </summary>
    public int DrainGuestEnd(FrameBatch batch)
    {
        int n = 0;
        while (n < batch.Capacity && !_closed)
        {
            var area = batch.WriteArea(n);
            nint read;
            fixed (byte* p = area)
            {
                read = LibC.Recv(_guest, p, area.Length, LibC.MsgDontWait);
            }
            if (read <= 0)
            {
                break;
            }
            batch.SetLength(n++, (int)read);
        }
        batch.Count = n;
        return n;
    }

    /// <inheritdoc />
    public int Receive(FrameBatch batch, CancellationToken cancellationToken)
    {
        if (cancellationToken != _registeredToken)
        {
            // Once per token, not per call: the port loop passes the same token every time.
            _registration.Dispose();
            _registration = cancellationToken.UnsafeRegister(static state => ((UnixDatagramPort)state!).Wake(), this);
            _registeredToken = cancellationToken;
        }
        while (!_closed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = ReadQueued(batch);
            if (n > 0)
            {
                batch.Count = n;
                return n;
            }
            if (!WaitReadable())
            {
                break;
            }
        }
        batch.Count = 0;
        return 0;
    }

    // Reads until EAGAIN or the batch is full.
    private int ReadQueued(FrameBatch batch)
    {
        int n = 0;
        try
        {
            while (n < batch.Capacity)
            {
                var area = batch.WriteArea(n);
                nint read;
                fixed (byte* p = area)
                {
                    read = LibC.Recv(_socket, p, area.Length, LibC.MsgDontWait);
                }
                if (read > 0)
                {
                    batch.SetLength(n++, (int)read);
                    continue;
                }
                if (read < 0 && Marshal.GetLastPInvokeError() == LibC.EIntr)
                {
                    continue;
                }
                break; // EAGAIN: nothing more queued (a datagram socket pair has no end of file)
            }
        }
        catch (ObjectDisposedException)
        {
        }
        return n;
    }

    // Waits in poll() for a datagram or a wake-up; false when the port should stop.
    private bool WaitReadable()
    {
        bool socketRef = false, wakeRef = false;
        try
        {
            _socket.DangerousAddRef(ref socketRef);
            _wake.DangerousAddRef(ref wakeRef);
            LibC.PollFd* fds = stackalloc LibC.PollFd[2];
            fds[0] = new LibC.PollFd { Fd = _socket.Fd, Events = LibC.PollIn };
            fds[1] = new LibC.PollFd { Fd = _wake.Fd, Events = LibC.PollIn };
            while (true)
            {
                int ready = LibC.Poll(fds, 2, -1);
                if (ready < 0 && Marshal.GetLastPInvokeError() == LibC.EIntr)
                {
                    continue;
                }
                return ready > 0 && fds[1].REvents == 0;
            }
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (socketRef)
            {
                _socket.DangerousRelease();
            }
            if (wakeRef)
            {
                _wake.DangerousRelease();
            }
        }
    }

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (_closed)
        {
            return false;
        }
        nint written;
        try
        {
            fixed (byte* p = frame)
            {
                written = LibC.Write(_socket, p, frame.Length);
            }
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        if (written == frame.Length)
        {
            return true;
        }
        // EAGAIN: the guest's queue is full (its QEMU is stopped, or slower than the sender).
        Interlocked.Increment(ref _writeFailures);
        return false;
    }

    private void Wake()
    {
        ulong one = 1;
        try
        {
            LibC.Write(_wake, (byte*)&one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static void Check(int result, string name, string what)
    {
        if (result < 0)
        {
            throw new IOException($"Cannot {what} for {name}: {LibC.Describe(Marshal.GetLastPInvokeError())}.");
        }
    }

    /// <summary>Wakes the reader and closes both ends.</summary>
    public void Dispose()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        Wake();
        _registration.Dispose();
        _socket.Dispose();
        _guest.Dispose();
        _wake.Dispose();
    }
}
