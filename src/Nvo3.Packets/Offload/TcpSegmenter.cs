using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// Segmentation offload in software (GSO): cuts a TCP super-frame, as a TAP with TSO hands it over
/// (Ethernet, IPv4 or IPv6, TCP, up to 64 KiB of payload, a virtio-net header asking for
/// <see cref="VirtioNetHeader.GsoSize"/>-byte segments), into the segments the VM's stack meant
/// to send, written back to back into one buffer, each behind a caller's prefix (a VXLAN or
/// VXLAN-GPE header): the layout one <c>sendmsg</c> with <c>UDP_SEGMENT</c> sends as that many
/// datagrams. Nothing is allocated.
/// </summary>
/// <remarks>
/// Each segment is fixed as Linux's <c>tcp_gso_segment</c> and <c>inet_gso_segment</c> fix them
/// (net/ipv4/tcp_offload.c, af_inet.c): the IPv4 total length, the IPv4 identification (one more
/// per segment) and its header checksum (computed for the first segment, then updated per RFC
/// 1624), the IPv6 payload length, the TCP sequence number (one segment size more per segment),
/// FIN and PSH on the last segment only, CWR on the first only, and the whole TCP checksum (the
/// header's share computed once and adjusted per segment; the payload summed where it was just
/// copied). The checksum the super-frame carries is never trusted: a VM is not.
/// </remarks>
public static class TcpSegmenter
{
    private const byte FinPsh = (byte)(TcpFlags.Fin | TcpFlags.Psh);
    private const byte Cwr = (byte)TcpFlags.Cwr;

    /// <summary>
    /// Writes the datagrams for <paramref name="frame"/> (an Ethernet frame read from a TAP, and its
    /// <paramref name="header"/>) into <paramref name="destination"/>: each is <paramref name="prefix"/>
    /// then a segment, with the frame's link header when <paramref name="keepLinkHeader"/> (VXLAN)
    /// or from the IP header on (VXLAN-GPE carrying IP). A super-frame gives one datagram per
    /// segment; a frame that is no super-frame (or whose payload fits one segment) gives one, its
    /// checksum completed when the header asks for it. Refuses, writing nothing it promises, what
    /// <see cref="OffloadRefusal"/> lists.
    /// </summary>
    public static bool TrySegment(ReadOnlySpan<byte> frame, in VirtioNetHeader header, Span<byte> destination,
        ReadOnlySpan<byte> prefix, bool keepLinkHeader, out SegmentationResult result, out OffloadRefusal refusal)
    {
        result = default;
        if (!EthernetFrame.TryParse(frame, out var ethernet, out _))
        {
            refusal = OffloadRefusal.Malformed;
            return false;
        }
        int linkLength = ethernet.Length;
        int start = keepLinkHeader ? 0 : linkLength;
        if (!header.IsGso)
        {
            return TryCopyWhole(frame, header, destination, prefix, start, linkLength, out result, out refusal);
        }
        if (header.GsoType is not (VirtioGsoType.TcpV4 or VirtioGsoType.TcpV6))
        {
            refusal = OffloadRefusal.UnsupportedGsoType;
            return false;
        }
        if (!TryReadSuperFrame(frame, header, ethernet.EtherType, linkLength, out var super, out refusal))
        {
            return false;
        }

        int mss = header.GsoSize;
        int payloadLength = super.Payload.Length;
        int count = payloadLength <= mss ? 1 : (payloadLength + mss - 1) / mss;
        int headersOut = super.TcpAt + super.TcpHeaderLength - start;
        int lastPayload = payloadLength - ((count - 1) * mss);
        long total = ((long)(count - 1) * (prefix.Length + headersOut + mss)) + prefix.Length + headersOut + lastPayload;
        if (total > destination.Length)
        {
            refusal = OffloadRefusal.DestinationTooSmall;
            return false;
        }
        int stride = count == 1 ? (int)total : prefix.Length + headersOut + mss;

        var headers = frame[start..(super.TcpAt + super.TcpHeaderLength)];
        int ipOut = linkLength - start;
        int tcpOut = super.TcpAt - start;
        var tcpHeader = frame.Slice(super.TcpAt, super.TcpHeaderLength);
        // The TCP header's share of the checksum, without the words that change per segment
        // (sequence number, offset-and-flags, checksum): added back per segment below.
        ulong tcpHeaderSum = Checksum.Add(Checksum.Add(Checksum.Add(Checksum.Add(0, tcpHeader[..4]), tcpHeader[8..12]), tcpHeader[14..16]), tcpHeader[18..]);
        ulong pseudoSum = Checksum.PseudoHeader(super.Source, super.Destination, IpProtocol.Tcp, 0);
        uint firstSequence = BinaryPrimitives.ReadUInt32BigEndian(tcpHeader[4..]);
        byte dataOffset = tcpHeader[12];
        byte flags = tcpHeader[13];
        ushort id = super.V6 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(frame[(linkLength + 4)..]);
        ushort ipChecksum = 0;
        ushort ipLength = 0;

        int at = 0;
        for (int i = 0; i < count; i++)
        {
            bool last = i == count - 1;
            int segmentPayload = last ? lastPayload : mss;
            var datagram = destination[at..];
            prefix.CopyTo(datagram);
            var segment = datagram[prefix.Length..];
            headers.CopyTo(segment);
            var payloadOut = segment.Slice(headersOut, segmentPayload);
            super.Payload.Slice(i * mss, segmentPayload).CopyTo(payloadOut);

            int tcpLength = super.TcpHeaderLength + segmentPayload;
            if (super.V6)
            {
                BinaryPrimitives.WriteUInt16BigEndian(segment[(ipOut + 4)..], (ushort)tcpLength);
            }
            else
            {
                ushort newLength = (ushort)(super.IpHeaderLength + tcpLength);
                if (i == 0)
                {
                    // The first header's checksum from scratch, so a wrong one from the VM is not carried on.
                    var ip = segment.Slice(ipOut, super.IpHeaderLength);
                    BinaryPrimitives.WriteUInt16BigEndian(ip[2..], newLength);
                    BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
                    ipChecksum = Checksum.Compute(ip);
                }
                else
                {
                    ushort nextId = (ushort)(id + 1);
                    ipChecksum = Checksum.Update(ipChecksum, id, nextId);
                    id = nextId;
                    if (newLength != ipLength)
                    {
                        ipChecksum = Checksum.Update(ipChecksum, ipLength, newLength);
                    }
                    BinaryPrimitives.WriteUInt16BigEndian(segment[(ipOut + 2)..], newLength);
                    BinaryPrimitives.WriteUInt16BigEndian(segment[(ipOut + 4)..], id);
                }
                ipLength = newLength;
                BinaryPrimitives.WriteUInt16BigEndian(segment[(ipOut + 10)..], ipChecksum);
            }

            byte segmentFlags = count == 1 ? flags
                : i == 0 ? (byte)(flags & ~FinPsh)
                : last ? (byte)(flags & ~Cwr)
                : (byte)(flags & ~(FinPsh | Cwr));
            uint sequence = firstSequence + (uint)(i * mss);
            var tcp = segment[tcpOut..];
            BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
            tcp[13] = segmentFlags;
            ulong sum = pseudoSum + (uint)tcpLength + tcpHeaderSum + (sequence >> 16) + (sequence & 0xFFFF)
                + (uint)((dataOffset << 8) | segmentFlags);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum.Finish(Checksum.Add(sum, payloadOut)));

            at += prefix.Length + headersOut + segmentPayload;
        }
        result = new SegmentationResult(count, stride, at);
        refusal = OffloadRefusal.None;
        return true;
    }

    // A frame that is no super-frame: one datagram, the frame as it is, its checksum completed if asked.
    private static bool TryCopyWhole(ReadOnlySpan<byte> frame, in VirtioNetHeader header, Span<byte> destination,
        ReadOnlySpan<byte> prefix, int start, int linkLength, out SegmentationResult result, out OffloadRefusal refusal)
    {
        result = default;
        if (header.NeedsChecksum && !header.ChecksumFieldWithin(frame.Length, linkLength))
        {
            refusal = OffloadRefusal.BadChecksumOffsets;
            return false;
        }
        int length = prefix.Length + frame.Length - start;
        if (length > destination.Length)
        {
            refusal = OffloadRefusal.DestinationTooSmall;
            return false;
        }
        prefix.CopyTo(destination);
        var output = destination.Slice(prefix.Length, frame.Length - start);
        frame[start..].CopyTo(output);
        if (header.NeedsChecksum)
        {
            Checksum.CompletePartial(output, header.ChecksumStart - start, header.ChecksumOffset);
        }
        result = new SegmentationResult(1, length, length);
        refusal = OffloadRefusal.None;
        return true;
    }

    private static bool TryReadSuperFrame(ReadOnlySpan<byte> frame, in VirtioNetHeader header, ushort etherType, int linkLength,
        out TcpSuperFrame super, out OffloadRefusal refusal)
    {
        super = default;
        bool v6 = header.GsoType == VirtioGsoType.TcpV6;
        var network = frame[linkLength..];
        IpAddr source, destination;
        int ipHeaderLength;
        ReadOnlySpan<byte> transport;
        if (!v6 && etherType == EtherType.IPv4 && IPv4Packet.TryParse(network, out var ip4, out _))
        {
            if (ip4.IsFragment)
            {
                refusal = OffloadRefusal.Malformed;
                return false;
            }
            if (ip4.Protocol != IpProtocol.Tcp)
            {
                refusal = OffloadRefusal.GsoMismatch;
                return false;
            }
            (source, destination, ipHeaderLength) = (ip4.Source, ip4.Destination, ip4.HeaderLength);
            transport = ip4.Payload;
        }
        else if (v6 && etherType == EtherType.IPv6 && IPv6Packet.TryParse(network, out var ip6, out _))
        {
            // Extension headers are refused rather than walked: Linux's TCP stack sends none with TSO.
            if (ip6.NextHeader != IpProtocol.Tcp)
            {
                refusal = OffloadRefusal.GsoMismatch;
                return false;
            }
            (source, destination, ipHeaderLength) = (ip6.Source, ip6.Destination, IPv6Packet.HeaderLength);
            transport = ip6.Payload;
        }
        else
        {
            // The family the GSO type names, but not a packet: malformed; another family: a mismatch.
            refusal = etherType == (v6 ? EtherType.IPv6 : EtherType.IPv4) ? OffloadRefusal.Malformed : OffloadRefusal.GsoMismatch;
            return false;
        }
        if (!TcpSegment.TryParse(transport, out var tcp, out _))
        {
            refusal = OffloadRefusal.Malformed;
            return false;
        }
        int tcpAt = linkLength + ipHeaderLength;
        // hdr_len is only a hint (Linux writes the linear head's length there), so it is not checked;
        // the checksum offsets must point at the TCP checksum, as the kernel requires of a TSO frame.
        if (header.NeedsChecksum && (header.ChecksumStart != tcpAt || header.ChecksumOffset != VirtioNetHeader.TcpChecksumOffset))
        {
            refusal = OffloadRefusal.BadChecksumOffsets;
            return false;
        }
        super = new TcpSuperFrame(v6, source, destination, ipHeaderLength, tcpAt, tcp.HeaderLength, tcp.Payload);
        refusal = OffloadRefusal.None;
        return true;
    }
}
