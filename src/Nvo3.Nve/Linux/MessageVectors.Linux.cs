using System.Runtime.InteropServices;

namespace Nvo3.Nve.Linux;

/// <summary>
/// The native arrays a recvmmsg(2) or sendmmsg(2) call reads: one struct mmsghdr, one iovec and
/// one socket-address buffer per message, allocated once and freed on dispose.
/// </summary>
internal sealed unsafe class MessageVectors : IDisposable
{
    /// <summary>Bytes of each address buffer: sizeof(struct sockaddr_in6), the larger family.</summary>
    public const int NameSize = 28;

    public MessageVectors(int capacity)
    {
        if (sizeof(LibC.MMsgHdr) != 64 || sizeof(LibC.MsgHdr) != 56)
        {
            throw new PlatformNotSupportedException("Batched datagram calls need the 64-bit Linux layout of struct mmsghdr.");
        }
        Capacity = capacity;
        Messages = (LibC.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(LibC.MMsgHdr)));
        Iov = (LibC.IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(LibC.IoVec)));
        Names = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * NameSize));
    }

    public int Capacity { get; }

    public LibC.MMsgHdr* Messages { get; private set; }

    public LibC.IoVec* Iov { get; private set; }

    public byte* Names { get; private set; }

    /// <summary>The address buffer of message <paramref name="i"/>.</summary>
    public byte* Name(int i) => Names + (i * NameSize);

    public void Dispose()
    {
        NativeMemory.Free(Messages);
        NativeMemory.Free(Iov);
        NativeMemory.Free(Names);
        Messages = null;
        Iov = null;
        Names = null;
    }
}
