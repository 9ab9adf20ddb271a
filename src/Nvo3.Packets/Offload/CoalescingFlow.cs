namespace Nvo3.Packets;

/// <summary>
/// One flow <see cref="TcpCoalescer"/> holds: the first segment's headers and every payload merged
/// so far sit in the flow's slot of the coalescer's storage; this is the bookkeeping beside them.
/// </summary>
internal struct CoalescingFlow
{
    /// <summary>True while the slot holds a flow.</summary>
    public bool Held;

    /// <summary>The caller's stream (a port): frames of different streams never merge.</summary>
    public int Stream;

    public bool V6;

    public int NetworkOffset;

    public int IpHeaderLength;

    public int TcpHeaderLength;

    /// <summary>Bytes of the frame in the slot.</summary>
    public int Length;

    /// <summary>The first segment's payload length: Linux's gso_size, the most any later segment may carry.</summary>
    public int SegmentSize;

    /// <summary>Segments merged (1 for a lone head).</summary>
    public int Count;

    /// <summary>The sequence number the next segment must have.</summary>
    public uint NextSequence;

    /// <summary>IPv4: every segment carries the first one's identification (DF set, as Linux's GRO allows).</summary>
    public bool FixedId;

    /// <summary>When it started, for evicting the oldest when every slot is taken.</summary>
    public long Age;

    public readonly int TcpAt => NetworkOffset + IpHeaderLength;
}
