using System.Runtime.InteropServices;
using System.Text;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// A tenant port on a Linux TAP device (<c>/dev/net/tun</c>, IFF_TAP | IFF_NO_PI): the NVE holds
/// the descriptor, the tenant (a VM's namespace, a QEMU guest's bridge) sees an Ethernet interface.
/// The descriptor is non-blocking; <see cref="Receive(FrameBatch, CancellationToken)"/> reads until
/// EAGAIN into the batch and only then waits in poll(), so a burst costs one wake-up. Nothing is
/// allocated per frame. Opened with <see cref="TapOptions"/> it can carry a virtio-net header and
/// offloads (TapPort.VirtioNet.Linux.cs).
/// </summary>
/// <remarks>
/// The device lives as long as the descriptor: disposing the port removes the interface, wherever
/// it was moved (<c>ip link set NAME netns NS</c> keeps the descriptor valid). Owns the descriptor
/// and an eventfd that wakes the reader on dispose or cancellation.
/// </remarks>
public sealed unsafe partial class TapPort : ITenantPort
{
    private readonly FileDescriptor _tap;
    private readonly FileDescriptor _wake;
    private CancellationToken _registeredToken;
    private CancellationTokenRegistration _registration;
    private volatile bool _closed;
    private long _writeFailures;

    private TapPort(FileDescriptor tap, FileDescriptor wake, string name, TapOptions options)
    {
        _tap = tap;
        _wake = wake;
        Name = name;
        Options = options;
        _vnetHeaderLength = options.VirtioNetHeader ? VirtioNetHeader.LengthV1 : 0;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Frames the kernel refused on <see cref="Send(ReadOnlySpan{byte})"/> (interface down, queue full).</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>
    /// Creates TAP interface <paramref name="name"/> (at most 15 bytes; empty lets the kernel pick
    /// tapN) in the calling thread's network namespace, with hardware address
    /// <paramref name="mac"/> when given. Throws <see cref="IOException"/> saying why it cannot.
    /// </summary>
    public static TapPort Create(string name, MacAddress? mac = null) => Create(name, mac, TapOptions.Default);

    /// <summary>
    /// Creates TAP interface <paramref name="name"/> as <see cref="Create(string, MacAddress?)"/> does,
    /// opened as <paramref name="options"/> say (virtio-net header, offloads, exclusive creation).
    /// </summary>
    public static TapPort Create(string name, MacAddress? mac, TapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (Encoding.UTF8.GetByteCount(name) >= LibC.IfNameSize)
        {
            throw new ArgumentException($"TAP name '{name}' is longer than {LibC.IfNameSize - 1} bytes.", nameof(name));
        }
        int fd = LibC.Open("/dev/net/tun", LibC.ORdWr | LibC.ONonBlock | LibC.OCloExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open /dev/net/tun for TAP '{name}': {LibC.Describe(errno)} (is the tun module loaded, and are we root or CAP_NET_ADMIN?).");
        }
        var tap = new FileDescriptor(fd);
        try
        {
            byte* ifr = stackalloc byte[LibC.IfReqSize];
            new Span<byte>(ifr, LibC.IfReqSize).Clear();
            Encoding.UTF8.GetBytes(name, new Span<byte>(ifr, LibC.IfNameSize - 1));
            *(short*)(ifr + LibC.IfNameSize) = (short)(LibC.IffTap | LibC.IffNoPi | InterfaceFlags(options));
            if (LibC.Ioctl(fd, LibC.TunSetIff, ifr) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException(options.Exclusive && errno == LibC.EBusy
                    ? $"Cannot create TAP '{name}': an interface of that name already exists (exclusive creation, IFF_TUN_EXCL)."
                    : $"Cannot create TAP '{name}': {LibC.Describe(errno)} (a non-TAP interface of that name exists, or we lack CAP_NET_ADMIN).");
            }
            string actual = Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(ifr));
            ConfigureVirtioNet(fd, options, actual);
            if (mac is { } address)
            {
                new Span<byte>(ifr + LibC.IfNameSize, LibC.IfReqSize - LibC.IfNameSize).Clear();
                *(ushort*)(ifr + LibC.IfNameSize) = LibC.ArpHrdEther;
                address.WriteTo(new Span<byte>(ifr + LibC.IfNameSize + 2, MacAddress.Length));
                if (LibC.Ioctl(fd, LibC.SiocSIfHwAddr, ifr) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new IOException($"Cannot set the address of TAP '{actual}' to {address}: {LibC.Describe(errno)}.");
                }
            }
            int wake = LibC.EventFd(0, LibC.EfdNonBlock | LibC.EfdCloExec);
            if (wake < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"Cannot create an eventfd for TAP '{actual}': {LibC.Describe(errno)}.");
            }
            return new TapPort(tap, new FileDescriptor(wake), actual, options);
        }
        catch
        {
            tap.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public int Receive(FrameBatch batch, CancellationToken cancellationToken)
    {
        int n = ReceiveReady(batch, &ReadReady, cancellationToken);
        batch.Count = n;
        return n;
    }

    private static int ReadReady(TapPort port, FrameBatch batch) => port.ReadUntilEmpty(batch, batch.Capacity, &ReadFrame);

    // Reads what is ready with readReady, waiting in poll() while nothing is; returns how many
    // frames it read, or 0 when the port closed or the interface is gone.
    private int ReceiveReady<TBatch>(TBatch batch, delegate*<TapPort, TBatch, int> readReady, CancellationToken cancellationToken)
    {
        if (cancellationToken != _registeredToken)
        {
            // Once per token, not per call: the port loop passes the same token every time.
            _registration.Dispose();
            _registration = cancellationToken.UnsafeRegister(static state => ((TapPort)state!).Wake(), this);
            _registeredToken = cancellationToken;
        }
        while (true)
        {
            if (_closed)
            {
                return 0;
            }
            cancellationToken.ThrowIfCancellationRequested();
            int n = readReady(this, batch);
            if (n < 0)
            {
                return 0; // the interface is gone: the port is closed
            }
            if (n > 0)
            {
                return n;
            }
            if (!WaitReadable())
            {
                return 0;
            }
        }
    }

    // Reads until EAGAIN or the batch is full, each frame with readInto. Returns the count, 0 when
    // nothing was ready, -1 when the device is gone (its interface was deleted) and nothing was read.
    private int ReadUntilEmpty<TBatch>(TBatch batch, int capacity, delegate*<TapPort, TBatch, int, int> readInto)
    {
        int n = 0;
        while (n < capacity)
        {
            int read = readInto(this, batch, n);
            if (read > 0)
            {
                n++;
                continue;
            }
            if (read == 0)
            {
                continue; // a frame the batch cannot take was dropped (and counted): read the next
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EIntr)
            {
                continue;
            }
            if (errno == LibC.EAgain)
            {
                break;
            }
            // EBADFD or EIO: the interface was deleted under us; hand over what we have first.
            return n > 0 ? n : -1;
        }
        return n;
    }

    // Reads frame n of the batch: its length, or -1 with errno set (EBADFD for an end of file).
    private static int ReadFrame(TapPort port, FrameBatch batch, int n)
    {
        var area = batch.WriteArea(n);
        nint read;
        fixed (byte* p = area)
        {
            // With a virtio-net header, the header is read aside and a partial checksum completed.
            read = port._vnetHeaderLength == 0 ? LibC.Read(port._tap, p, area.Length) : port.ReadPlainFrame(p, area.Length);
        }
        if (read <= 0)
        {
            return ReadFailed(read);
        }
        batch.SetLength(n, (int)read);
        return (int)read;
    }

    // A read that gave nothing: -1, with errno EBADFD when it was an end of file (the device is gone).
    private static int ReadFailed(nint read)
    {
        if (read == 0)
        {
            Marshal.SetLastPInvokeError(LibC.EBadFd);
        }
        return -1;
    }

    // Waits in poll() for a frame or a wake-up; false when the port should stop.
    private bool WaitReadable()
    {
        bool tapRef = false, wakeRef = false;
        try
        {
            _tap.DangerousAddRef(ref tapRef);
            _wake.DangerousAddRef(ref wakeRef);
            LibC.PollFd* fds = stackalloc LibC.PollFd[2];
            fds[0] = new LibC.PollFd { Fd = _tap.Fd, Events = LibC.PollIn };
            fds[1] = new LibC.PollFd { Fd = _wake.Fd, Events = LibC.PollIn };
            while (true)
            {
                int ready = LibC.Poll(fds, 2, -1);
                if (ready < 0 && Marshal.GetLastPInvokeError() == LibC.EIntr)
                {
                    continue;
                }
                if (ready < 0 || fds[1].REvents != 0)
                {
                    return false; // woken: disposed or cancelled
                }
                // POLLIN, or POLLERR when the device went away: the next read tells which.
                return true;
            }
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (tapRef)
            {
                _tap.DangerousRelease();
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
                written = _vnetHeaderLength == 0 ? LibC.Write(_tap, p, frame.Length) : WriteWithHeader(VirtioNetHeader.None, p, frame.Length);
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
        // EAGAIN (queue full), EIO (interface down): the frame is dropped, as a NIC would.
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

    /// <summary>Wakes the reader and closes the device (the interface disappears).</summary>
    public void Dispose()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        Wake();
        _registration.Dispose();
        // The reader holds references while it polls or reads: the descriptors close when it lets go.
        _tap.Dispose();
        _wake.Dispose();
    }
}
