namespace Nvo3.Packets;

/// <summary>The flags byte of a virtio-net header (<c>VIRTIO_NET_HDR_F_*</c>, include/uapi/linux/virtio_net.h).</summary>
[Flags]
public enum VirtioNetFlags : byte
{
    /// <summary>No flag: the frame's checksums are complete, or unknown to the sender.</summary>
    None = 0,

    /// <summary>
    /// <c>NEEDS_CSUM</c>: the checksum from <see cref="VirtioNetHeader.ChecksumStart"/> to the end of the
    /// frame is still to be computed; the field at start + offset holds the pseudo-header sum.
    /// </summary>
    NeedsChecksum = 1,

    /// <summary><c>DATA_VALID</c>: the receiver already checked the checksum (only on frames read from a TAP).</summary>
    DataValid = 2,

    /// <summary><c>RSC_INFO</c>: the checksum fields carry receive-segment-coalescing counts instead (never from a TAP).</summary>
    RscInfo = 4,
}
