namespace Nvo3.Qemu.Image;

/// <summary>
/// A built guest image in the cache: the kernel and the initramfs QEMU boots with
/// <c>-kernel</c> and <c>-initrd</c>. Immutable once built; its directory is named by the content
/// hash of everything it was made from.
/// </summary>
/// <param name="Directory">The image's cache directory.</param>
/// <param name="KernelPath">The kernel (a copy of /boot/vmlinuz-VERSION).</param>
/// <param name="InitramfsPath">The gzip-compressed newc cpio.</param>
/// <param name="KernelVersion">The kernel release.</param>
/// <param name="BusyboxVersion">The first line busybox prints about itself.</param>
/// <param name="Hash">The content hash of the inputs (hex, SHA-256).</param>
/// <param name="Built">True when this call built it, false when it came from the cache.</param>
public sealed record GuestImage(
    string Directory,
    string KernelPath,
    string InitramfsPath,
    string KernelVersion,
    string BusyboxVersion,
    string Hash,
    bool Built)
{
    /// <summary>The kernel's size in bytes.</summary>
    public long KernelBytes => new FileInfo(KernelPath).Length;

    /// <summary>The initramfs's size in bytes.</summary>
    public long InitramfsBytes => new FileInfo(InitramfsPath).Length;
}
