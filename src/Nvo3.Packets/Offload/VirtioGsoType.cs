namespace Nvo3.Packets;

/// <summary>
/// The segmentation a virtio-net header asks for (<c>VIRTIO_NET_HDR_GSO_*</c>, without the ECN bit,
/// which <see cref="VirtioNetHeader.Ecn"/> carries).
/// </summary>
public enum VirtioGsoType : byte
{
    /// <summary>Not a super-frame.</summary>
    None = 0,

    /// <summary>A TCP over IPv4 super-frame (TSO).</summary>
    TcpV4 = 1,

    /// <summary>UDP fragmentation offload (UFO, long deprecated): never asked of Nvo3, refused.</summary>
    Udp = 3,

    /// <summary>A TCP over IPv6 super-frame (TSO).</summary>
    TcpV6 = 4,

    /// <summary>UDP segmentation (USO, Linux 6.2+, <c>TUN_F_USO4/6</c>): Nvo3 does not offer it, refused.</summary>
    UdpL4 = 5,
}
