using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// Receive offload in software (GRO): merges consecutive TCP segments of one flow, received one
/// by one from the underlay, into one super-frame for a TAP with a virtio-net header, exactly where
/// Linux's GRO would merge them (net/ipv4/tcp_offload.c <c>tcp_gro_receive</c>, include/net/gro.h,
/// net/ipv4/af_inet.c <c>inet_gro_receive</c>, net/ipv6/ip6_offload.c, net/core/gro.c), and passes
/// everything else through unchanged. Bounded state: a few flows at once, each in a fixed slot of
/// storage allocated once; nothing is allocated per frame. One owner thread.
/// </summary>
/// <remarks>
/// Frames reach the sink in their flow's order: a frame that cannot join its flow's held
/// super-frame releases that super-frame first. Frames of different flows may pass each other, as
/// in Linux. Owns its storage (or uses the caller's); the spans it delivers point into it.
/// </remarks>
public sealed class TcpCoalescer
{
    /// <summary>The longest link header a frame may have before its IP header (Ethernet with one 802.1Q tag).</summary>
    public const int MaxNetworkOffset = EthernetFrame.TaggedHeaderLength;

    /// <summary>Bytes of a flow's slot: the longest link header and the longest IP packet.</summary>
    public const int SlotLength = MaxNetworkOffset + ushort.MaxValue;

    private const uint FlagWordCwr = 0x0080_0000;
    private const uint FlagWordFinPsh = 0x0009_0000;

    private readonly Memory<byte> _storage;
    private readonly CoalescingFlow[] _flows;
    private readonly bool _verifyChecksums;
    private long _arrivals;

    /// <summary>
    /// A coalescer holding up to <paramref name="maxFlows"/> flows at once (Linux holds 8 per GRO
    /// bucket), with its own pinned storage of <paramref name="maxFlows"/> × <see cref="SlotLength"/> bytes.
    /// With <paramref name="verifyChecksums"/> (Linux's behaviour), a segment whose TCP checksum is wrong
    /// is never merged: it passes through for the receiver to drop.
    /// </summary>
    public TcpCoalescer(int maxFlows = 8, bool verifyChecksums = true)
        : this(GC.AllocateArray<byte>(StorageLength(maxFlows), pinned: true), verifyChecksums)
    {
    }

    /// <summary>A coalescer over the caller's <paramref name="storage"/>: one flow per <see cref="SlotLength"/> bytes.</summary>
    public TcpCoalescer(Memory<byte> storage, bool verifyChecksums = true)
    {
        int flows = storage.Length / SlotLength;
        if (flows < 1)
        {
            throw new ArgumentException($"The storage must hold at least one slot of {SlotLength} bytes.", nameof(storage));
        }
        _storage = storage;
        _flows = new CoalescingFlow[flows];
        _verifyChecksums = verifyChecksums;
    }

    /// <summary>Bytes of storage for <paramref name="maxFlows"/> flows.</summary>
    public static int StorageLength(int maxFlows) =>
        maxFlows is > 0 and <= 1024 ? maxFlows * SlotLength : throw new ArgumentOutOfRangeException(nameof(maxFlows), "Between 1 and 1024 flows.");

    /// <summary>How many flows it can hold at once.</summary>
    public int Capacity => _flows.Length;

    /// <summary>How many flows it holds now (released by <see cref="Flush"/>).</summary>
    public int HeldFlows
    {
        get
        {
            int n = 0;
            foreach (ref readonly var flow in _flows.AsSpan())
            {
                n += flow.Held ? 1 : 0;
            }
            return n;
        }
    }

    /// <summary>
    /// Takes one received frame, whose IP header starts at <paramref name="networkOffset"/> (14 for
    /// Ethernet, 0 for a bare IP packet; the link header must match for frames to merge), from
    /// <paramref name="stream"/> (the caller's key, such as the port it goes to: frames of different
    /// streams never merge). Merges it into its flow's super-frame, holds it as a new flow, or passes
    /// it through; delivers to <paramref name="sink"/> whatever this releases.
    /// </summary>
    public void Add<TSink>(ReadOnlySpan<byte> frame, int networkOffset, int stream, ref TSink sink)
        where TSink : ICoalescedFrameSink, allows ref struct
    {
        if ((uint)networkOffset > MaxNetworkOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(networkOffset), $"The link header may have at most {MaxNetworkOffset} bytes.");
        }
        var segment = GroCandidate.Inspect(frame, networkOffset, _verifyChecksums);
        if (segment.Kind == GroKind.NotTcp)
        {
            sink.Deliver(stream, VirtioNetHeader.None, frame);
            return;
        }
        int held = Find(segment, stream);
        if (segment.Kind == GroKind.Unmergeable)
        {
            if (held >= 0)
            {
                Release(held, ref sink);
            }
            sink.Deliver(stream, VirtioNetHeader.None, frame);
            return;
        }
        if (held >= 0)
        {
            if (CanMerge(held, segment))
            {
                Merge(held, segment);
                // As tcp_gro_receive: a short segment, or PSH or FIN, ends the super-frame.
                if (segment.PayloadLength < _flows[held].SegmentSize || (segment.Flags & GroCandidate.FinalFlags) != 0)
                {
                    Release(held, ref sink);
                }
                return;
            }
            Release(held, ref sink);
        }
        // A new flow, unless the segment would end it at once (no payload, or URG, PSH, RST, SYN, FIN):
        // then it goes as it came.
        if (segment.PayloadLength == 0 || (segment.Flags & GroCandidate.FinalFlags) != 0)
        {
            sink.Deliver(stream, VirtioNetHeader.None, frame);
            return;
        }
        Hold(segment, stream, ref sink);
    }

    /// <summary>Releases every flow it holds, oldest first: call it at the end of each received batch.</summary>
    public void Flush<TSink>(ref TSink sink)
        where TSink : ICoalescedFrameSink, allows ref struct
    {
        while (true)
        {
            int oldest = Oldest();
            if (oldest < 0)
            {
                return;
            }
            Release(oldest, ref sink);
        }
    }

    private Span<byte> Slot(int index) => _storage.Span.Slice(index * SlotLength, SlotLength);

    // The held flow of the segment's 5-tuple: same stream and link header, same addresses, ports and
    // (IPv6) flow label, which Linux's ipv6_gro_receive counts as part of the flow.
    private int Find(in GroCandidate segment, int stream)
    {
        for (int i = 0; i < _flows.Length; i++)
        {
            ref readonly var flow = ref _flows[i];
            if (!flow.Held || flow.Stream != stream || flow.V6 != segment.V6 || flow.NetworkOffset != segment.NetworkOffset)
            {
                continue;
            }
            var slot = Slot(i);
            var ip = slot[flow.NetworkOffset..];
            bool same = slot[..flow.NetworkOffset].SequenceEqual(segment.Frame[..segment.NetworkOffset])
                && slot.Slice(flow.TcpAt, 4).SequenceEqual(segment.Tcp[..4])
                && (segment.V6
                    ? ip[8..40].SequenceEqual(segment.Ip[8..40]) && (BinaryPrimitives.ReadUInt32BigEndian(ip) & 0xF_FFFF) == (BinaryPrimitives.ReadUInt32BigEndian(segment.Ip) & 0xF_FFFF)
                    : ip[12..20].SequenceEqual(segment.Ip[12..20]));
            if (same)
            {
                return i;
            }
        }
        return -1;
    }

    // The flush conditions of tcp_gro_receive and gro_receive_network_flush, for a segment of the held flow.
    private bool CanMerge(int index, in GroCandidate segment)
    {
        ref var flow = ref _flows[index];
        var slot = Slot(index);
        var heldTcp = slot[flow.TcpAt..];
        var tcp = segment.Tcp;
        // The word of data offset, flags and window: CWR in the new segment ends the merge; so does any
        // difference but FIN and PSH (the window included, as tcp_flag_word covers it).
        uint word = BinaryPrimitives.ReadUInt32BigEndian(tcp[12..]);
        uint heldWord = BinaryPrimitives.ReadUInt32BigEndian(heldTcp[12..]);
        if ((word & FlagWordCwr) != 0 || ((word ^ heldWord) & ~FlagWordFinPsh) != 0)
        {
            return false;
        }
        // The same acknowledgement, and the same options byte for byte (timestamps included: Linux
        // compares every word of the header after the first 20 bytes).
        if (BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]) != BinaryPrimitives.ReadUInt32BigEndian(heldTcp[8..])
            || !tcp[TcpSegment.MinHeaderLength..segment.TcpHeaderLength].SequenceEqual(heldTcp[TcpSegment.MinHeaderLength..flow.TcpHeaderLength]))
        {
            return false;
        }
        if (!NetworkAllowsMerge(ref flow, slot[flow.NetworkOffset..], segment.Ip))
        {
            return false;
        }
        // No larger than the first segment, in sequence, and the IP packet stays under Linux's
        // default gro_max_size (65536 bytes).
        int payload = segment.PayloadLength;
        return payload > 0 && payload <= flow.SegmentSize
            && segment.Sequence == flow.NextSequence
            && flow.Length - flow.NetworkOffset + payload < 65536;
    }

    // inet_gro_flush and ipv6_gro_flush: the fields that must not change within a super-frame.
    private static bool NetworkAllowsMerge(ref CoalescingFlow flow, ReadOnlySpan<byte> held, ReadOnlySpan<byte> ip)
    {
        if (flow.V6)
        {
            // Traffic class and hop limit (the flow label is part of the flow itself).
            uint difference = BinaryPrimitives.ReadUInt32BigEndian(held) ^ BinaryPrimitives.ReadUInt32BigEndian(ip);
            return (difference & 0x0FF0_0000) == 0 && held[7] == ip[7];
        }
        // TTL, TOS and DF.
        if (held[8] != ip[8] || held[1] != ip[1] || ((held[6] ^ ip[6]) & 0x40) != 0)
        {
            return false;
        }
        // Identifications follow the first by one per segment; or, with DF, all repeat the first:
        // decided on the second segment, as Linux does.
        ushort offset = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(ip[4..]) - BinaryPrimitives.ReadUInt16BigEndian(held[4..]));
        if (flow.Count == 1 && (ip[6] & 0x40) != 0 && offset == 0)
        {
            flow.FixedId = true;
        }
        return offset == (flow.FixedId ? 0 : flow.Count);
    }

    private void Merge(int index, in GroCandidate segment)
    {
        ref var flow = ref _flows[index];
        var slot = Slot(index);
        int payload = segment.PayloadLength;
        segment.Tcp[segment.TcpHeaderLength..].CopyTo(slot[flow.Length..]);
        flow.Length += payload;
        flow.Count++;
        flow.NextSequence += (uint)payload;
        slot[flow.TcpAt + 13] |= (byte)(segment.Flags & (byte)(TcpFlags.Fin | TcpFlags.Psh));
    }

    private void Hold<TSink>(in GroCandidate segment, int stream, ref TSink sink)
        where TSink : ICoalescedFrameSink, allows ref struct
    {
        int index = 0;
        while (index < _flows.Length && _flows[index].Held)
        {
            index++;
        }
        if (index == _flows.Length)
        {
            // Every slot taken: the oldest goes, as Linux's gro_flush_oldest does.
            index = Oldest();
            Release(index, ref sink);
        }
        segment.Frame.CopyTo(Slot(index));
        _flows[index] = new CoalescingFlow
        {
            Held = true,
            Stream = stream,
            V6 = segment.V6,
            NetworkOffset = segment.NetworkOffset,
            IpHeaderLength = segment.IpHeaderLength,
            TcpHeaderLength = segment.TcpHeaderLength,
            Length = segment.Frame.Length,
            SegmentSize = segment.PayloadLength,
            Count = 1,
            NextSequence = segment.Sequence + (uint)segment.PayloadLength,
            Age = _arrivals++,
        };
    }

    // tcp4/6_gro_complete and inet/ipv6_gro_complete: the lengths of the whole, the IPv4 header
    // checksum updated (RFC 1624), the pseudo-header sum in the TCP checksum field, and the virtio
    // header Linux would hand a TAP. A lone segment goes as it came.
    private void Release<TSink>(int index, ref TSink sink)
        where TSink : ICoalescedFrameSink, allows ref struct
    {
        ref var flow = ref _flows[index];
        flow.Held = false;
        var frame = Slot(index)[..flow.Length];
        if (flow.Count == 1)
        {
            sink.Deliver(flow.Stream, VirtioNetHeader.None, frame);
            return;
        }
        var ip = frame[flow.NetworkOffset..];
        IpAddr source, destination;
        if (flow.V6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(ip.Length - IPv6Packet.HeaderLength));
            (source, destination) = (IpAddr.ReadV6(ip[8..]), IpAddr.ReadV6(ip[24..]));
        }
        else
        {
            ushort oldLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ip.Length);
            ushort headerChecksum = Checksum.Update(BinaryPrimitives.ReadUInt16BigEndian(ip[10..]), oldLength, (ushort)ip.Length);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], headerChecksum);
            (source, destination) = (IpAddr.ReadV4(ip[12..]), IpAddr.ReadV4(ip[16..]));
        }
        int tcpLength = ip.Length - flow.IpHeaderLength;
        ushort partial = Checksum.Fold(Checksum.PseudoHeader(source, destination, IpProtocol.Tcp, tcpLength));
        BinaryPrimitives.WriteUInt16BigEndian(frame[(flow.TcpAt + VirtioNetHeader.TcpChecksumOffset)..], partial);
        var header = new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, flow.V6 ? VirtioGsoType.TcpV6 : VirtioGsoType.TcpV4, Ecn: false,
            HeaderLength: (ushort)(flow.TcpAt + flow.TcpHeaderLength), GsoSize: (ushort)flow.SegmentSize,
            ChecksumStart: (ushort)flow.TcpAt, ChecksumOffset: VirtioNetHeader.TcpChecksumOffset);
        sink.Deliver(flow.Stream, header, frame);
    }

    private int Oldest()
    {
        int oldest = -1;
        for (int i = 0; i < _flows.Length; i++)
        {
            if (_flows[i].Held && (oldest < 0 || _flows[i].Age < _flows[oldest].Age))
            {
                oldest = i;
            }
        }
        return oldest;
    }
}
