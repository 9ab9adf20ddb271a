using System.Buffers.Binary;
using System.Runtime.InteropServices;

using Nvo3.Nve.Linux;

namespace Nvo3.Lab.Linux;

/// <summary>Sends whole Ethernet frames out of an interface (AF_PACKET), as a workload announcing itself does.</summary>
public static unsafe class PacketSocket
{
    /// <summary>
    /// Sends <paramref name="frame"/> (Ethernet header included) out of <paramref name="device"/> in
    /// the calling thread's namespace. Throws <see cref="IOException"/> saying why it cannot.
    /// </summary>
    public static void Send(string device, ReadOnlySpan<byte> frame)
    {
        uint index = LibC.IfNameToIndex(device);
        if (index == 0)
        {
            throw new IOException($"No interface '{device}' here.");
        }
        int fd = LibC.Socket(LibC.AfPacket, LibC.SockRaw | LibC.SockCloExec, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open a packet socket: {LibC.Describe(Marshal.GetLastPInvokeError())} (this needs CAP_NET_RAW).");
        }
        try
        {
            // struct sockaddr_ll: family, protocol (big-endian), ifindex, hatype, pkttype, halen, addr[8].
            byte* address = stackalloc byte[20];
            new Span<byte>(address, 20).Clear();
            *(ushort*)address = LibC.AfPacket;
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(address + 2, 2), BinaryPrimitives.ReadUInt16BigEndian(frame[12..14]));
            *(int*)(address + 4) = (int)index;
            address[11] = 6;
            frame[..6].CopyTo(new Span<byte>(address + 12, 6));
            fixed (byte* p = frame)
            {
                if (LibC.SendTo(fd, p, frame.Length, 0, address, 20) != frame.Length)
                {
                    throw new IOException($"Cannot send on {device}: {LibC.Describe(Marshal.GetLastPInvokeError())}.");
                }
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
