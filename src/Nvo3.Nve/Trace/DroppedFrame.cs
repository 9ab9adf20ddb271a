using System.Runtime.CompilerServices;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// What the drop tap copies of one dropped frame while a trace runs: the reason, where it was, and
/// the first <see cref="Capture"/> bytes (enough for every header a summary shows), by value, so
/// the frame's buffer goes back to its loop at once. Decoded off the data path by <see cref="DropSummary"/>.
/// </summary>
public struct DroppedFrame
{
    /// <summary>How many leading bytes are kept: a VXLAN header, a tagged Ethernet header and an IPv6 header fit.</summary>
    public const int Capture = 128;

    /// <summary>Why it was dropped.</summary>
    public DropReason Reason;

    /// <summary>What <see cref="Bytes"/> start with.</summary>
    public DropLayer Layer;

    /// <summary>Its network (0 when not known at the drop site, e.g. before the VXLAN header was read).</summary>
    public uint Vni;

    /// <summary>Its whole length in bytes.</summary>
    public int Length;

    /// <summary>How many of <see cref="Bytes"/> hold its start.</summary>
    public int Captured;

    /// <summary>How many frames this record stands for (a timer drops a port's held frames at once).</summary>
    public int Count;

    /// <summary>When, as UTC ticks of the trace's clock.</summary>
    public long UtcTicks;

    /// <summary>The underlay sender of an underlay datagram (default otherwise).</summary>
    public IpAddr Sender;

    /// <summary>True when <see cref="Sender"/> is set.</summary>
    public bool HasSender;

    /// <summary>Its first bytes.</summary>
    public HeaderBytes Bytes;

    /// <summary>A fixed buffer of <see cref="Capture"/> bytes held inline.</summary>
    [InlineArray(Capture)]
    public struct HeaderBytes
    {
        private byte _first;
    }
}
