using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The TAP's virtio-net header and offloads (<see cref="TapOptions"/>): super-frames read with
/// their header, frames written with one. The header is read and written beside the frame (readv,
/// writev), so a frame always starts at the start of its buffer.
/// </summary>
public sealed unsafe partial class TapPort
{
    private readonly int _vnetHeaderLength;
    private long _offloadDrops;

    /// <summary>How the TAP was opened.</summary>
    public TapOptions Options { get; }

    /// <summary>True when every frame read or written carries a virtio-net header.</summary>
    public bool HasVirtioNetHeader => _vnetHeaderLength != 0;

    /// <summary>
    /// Frames the TAP handed over that a read could not take: a super-frame on
    /// <see cref="Receive(FrameBatch, CancellationToken)"/> (read those with
    /// <see cref="Receive(SuperFrameBatch, CancellationToken)"/>), a frame longer than the buffer,
    /// or a header that does not parse.
    /// </summary>
    public long OffloadDrops => Interlocked.Read(ref _offloadDrops);

    private static int InterfaceFlags(TapOptions options) =>
        (options.VirtioNetHeader ? LibC.IffVnetHdr : 0) | (options.Exclusive ? LibC.IffTunExcl : 0);

    // After TUNSETIFF: the header's size (12, the virtio 1.0 layout QEMU uses too), its byte order
    // (little-endian whatever the host), and what the kernel may leave unfinished.
    private static void ConfigureVirtioNet(int fd, TapOptions options, string name)
    {
        if (!options.VirtioNetHeader)
        {
            return;
        }
        int size = VirtioNetHeader.LengthV1;
        int littleEndian = 1;
        if (LibC.Ioctl(fd, LibC.TunSetVnetHdrSz, &size) != 0
            || LibC.Ioctl(fd, LibC.TunSetVnetLe, &littleEndian) != 0
            || LibC.Ioctl(fd, LibC.TunSetOffload, (void*)(nuint)(uint)options.Offloads) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot set the virtio-net header or offloads ({options.Offloads}) of TAP '{name}': {LibC.Describe(errno)}.");
        }
    }

    /// <summary>
    /// Waits for frames and reads every one ready (up to the batch's capacity), each with its
    /// virtio-net header: super-frames to segment, partial checksums to complete. Returns how many,
    /// 0 when the port closed or the interface is gone.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public int Receive(SuperFrameBatch batch, CancellationToken cancellationToken)
    {
        RequireVirtioNetHeader();
        int n = ReceiveReady(batch, &ReadReady, cancellationToken);
        batch.Count = n;
        return n;
    }

    /// <summary>
    /// Writes <paramref name="frame"/> behind <paramref name="header"/>: a coalesced super-frame
    /// (GSO, partial checksum) the kernel takes as one, or a plain frame with
    /// <see cref="VirtioNetHeader.None"/>. False when the kernel refused it (counted in <see cref="WriteFailures"/>).
    /// </summary>
    [SupportedOSPlatform("linux")]
    public bool Send(in VirtioNetHeader header, ReadOnlySpan<byte> frame)
    {
        RequireVirtioNetHeader();
        if (_closed)
        {
            return false;
        }
        nint written;
        try
        {
            fixed (byte* p = frame)
            {
                written = WriteWithHeader(header, p, frame.Length);
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
        Interlocked.Increment(ref _writeFailures);
        return false;
    }

    private void RequireVirtioNetHeader()
    {
        if (_vnetHeaderLength == 0)
        {
            throw new InvalidOperationException($"TAP '{Name}' was opened without a virtio-net header (TapOptions.VirtioNetHeader).");
        }
    }

    private static int ReadReady(TapPort port, SuperFrameBatch batch) => port.ReadUntilEmpty(batch, batch.Capacity, &ReadSuperFrame);

    // Reads frame n of the batch with its header: its length, 0 when it was dropped (cut short, or a
    // header that does not parse), -1 with errno set when the read failed.
    private static int ReadSuperFrame(TapPort port, SuperFrameBatch batch, int n)
    {
        var area = batch.WriteArea(n);
        nint read;
        VirtioNetHeader header;
        bool usable;
        fixed (byte* p = area)
        {
            read = port.ReadWithHeader(p, area.Length, out header, out usable);
        }
        if (read <= 0)
        {
            return ReadFailed(read);
        }
        if (!usable || read >= area.Length)
        {
            Interlocked.Increment(ref port._offloadDrops);
            return 0;
        }
        batch.Set(n, (int)read, header);
        return (int)read;
    }

    // Receive(FrameBatch) on a TAP with a header: the header is read aside and a partial checksum
    // completed, so the frame is what a plain TAP would give. A super-frame does not fit a frame
    // batch: it is dropped and counted. Returns as read(2) does (errno set when negative).
    private nint ReadPlainFrame(byte* frame, int length)
    {
        while (true)
        {
            nint read = ReadWithHeader(frame, length, out var header, out bool usable);
            if (read <= 0)
            {
                return read;
            }
            if (usable && read <= length && header.TryCompleteChecksum(new Span<byte>(frame, (int)read), out _))
            {
                return read;
            }
            Interlocked.Increment(ref _offloadDrops);
        }
    }

    // One readv: the header into a scratch buffer, the frame into the caller's. Returns the frame's
    // length (more than `length` when it was cut short), 0 or negative as read(2) does.
    private nint ReadWithHeader(byte* frame, int length, out VirtioNetHeader header, out bool usable)
    {
        byte* raw = stackalloc byte[VirtioNetHeader.LengthV1];
        LibC.IoVec* iov = stackalloc LibC.IoVec[2];
        iov[0] = new LibC.IoVec { Base = raw, Length = (nuint)_vnetHeaderLength };
        iov[1] = new LibC.IoVec { Base = frame, Length = (nuint)length };
        nint read = LibC.ReadV(_tap, iov, 2);
        header = default;
        usable = false;
        if (read <= 0)
        {
            return read;
        }
        usable = read > _vnetHeaderLength && VirtioNetHeader.TryParse(new ReadOnlySpan<byte>(raw, VirtioNetHeader.Length), out header, out _);
        return Math.Max(1, read - _vnetHeaderLength);
    }

    // One writev: the header (its num_buffers zero) and the frame. Returns the frame bytes written.
    private nint WriteWithHeader(in VirtioNetHeader header, byte* frame, int length)
    {
        byte* raw = stackalloc byte[VirtioNetHeader.LengthV1];
        header.Write(new Span<byte>(raw, _vnetHeaderLength), _vnetHeaderLength);
        LibC.IoVec* iov = stackalloc LibC.IoVec[2];
        iov[0] = new LibC.IoVec { Base = raw, Length = (nuint)_vnetHeaderLength };
        iov[1] = new LibC.IoVec { Base = frame, Length = (nuint)length };
        nint written = LibC.WriteV(_tap, iov, 2);
        return written < 0 ? written : written - _vnetHeaderLength;
    }
}
