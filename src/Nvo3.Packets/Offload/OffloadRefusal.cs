namespace Nvo3.Packets;

/// <summary>Why <see cref="TcpSegmenter"/> or <see cref="VirtioNetHeader.TryCompleteChecksum"/> refused a frame. <see cref="None"/> means it did not.</summary>
public enum OffloadRefusal
{
    /// <summary>Not refused.</summary>
    None = 0,

    /// <summary>The Ethernet, IP or TCP headers do not parse, or the IPv4 packet is a fragment.</summary>
    Malformed,

    /// <summary>A GSO type other than TCP over IPv4 or IPv6 (UFO, USO): Nvo3 never offers them to the TAP.</summary>
    UnsupportedGsoType,

    /// <summary>
    /// The GSO type does not match the packet: TCPv4 on something other than IPv4/TCP, TCPv6 on
    /// something other than IPv6/TCP (IPv6 extension headers included).
    /// </summary>
    GsoMismatch,

    /// <summary>The checksum start and offset do not point at the TCP checksum (GSO), or lie outside the frame.</summary>
    BadChecksumOffsets,

    /// <summary>A super-frame where only a checksum completion was asked for: it needs <see cref="TcpSegmenter"/>.</summary>
    NeedsSegmentation,

    /// <summary>The segments do not fit the destination (a small segment size makes many headers).</summary>
    DestinationTooSmall,
}
