using System.Runtime.InteropServices;

namespace Nvo3.Nve.Linux;

/// <summary>
/// A Linux file descriptor owned by .NET: calls through it hold a reference, so closing it while
/// another thread reads never lets that thread use a recycled descriptor number.
/// </summary>
internal sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>The raw number, for calls that take several descriptors at once (poll).</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}
