using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

using Nvo3.Nve.Linux;

namespace Nvo3.Lab.Linux;

/// <summary>The one ethtool setting the lab needs, through the SIOCETHTOOL ioctl (no ethtool binary).</summary>
public static unsafe class Ethtool
{
    private const uint SiocEthtool = 0x8946;
    private const uint EthtoolSTxCsum = 0x17;

    /// <summary>
    /// Turns transmit checksum offload of <paramref name="device"/> (in the calling thread's
    /// namespace) on or off. Off makes the kernel finish every TCP/UDP checksum before the frame
    /// leaves: needed where a veth's partial checksums would travel inside VXLAN to a VTEP that
    /// reads the inner frame as plain bytes, as Nvo3's NVE does. Throws <see cref="IOException"/>.
    /// </summary>
    public static void SetTxChecksum(string device, bool on)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        uint* value = stackalloc uint[2];
        value[0] = EthtoolSTxCsum;
        value[1] = on ? 1u : 0u;
        byte* ifr = stackalloc byte[LibC.IfReqSize];
        new Span<byte>(ifr, LibC.IfReqSize).Clear();
        Encoding.UTF8.GetBytes(device, new Span<byte>(ifr, LibC.IfNameSize - 1));
        *(nint*)(ifr + LibC.IfNameSize) = (nint)value;
        if (LibC.Ioctl(socket.SafeHandle, SiocEthtool, ifr) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot turn tx checksumming {(on ? "on" : "off")} on {device}: {LibC.Describe(errno)}.");
        }
    }
}
