using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>Writes ICMPv6 messages and whole frames, Neighbor Discovery included.</summary>
public static class IcmpV6Writer
{
    /// <summary>The most of an original packet an error quotes, so that it fits the IPv6 minimum MTU (RFC 4443 2.4).</summary>
    public const int MaxQuote = 1280 - IPv6Packet.HeaderLength - IcmpV6Packet.HeaderLength;

    /// <summary>The least MTU of an IPv6 link (RFC 8200 section 5).</summary>
    public const int MinimumMtu = 1280;

    /// <summary>Bytes of an NS or NA with one link-layer option (24 + 8).</summary>
    public const int NeighborMessageWithOptionLength = NeighborMessage.FixedLength + 8;

    /// <summary>Writes an echo request or reply and its checksum; returns its length.</summary>
    public static int WriteEcho(Span<byte> destination, bool reply, ushort identifier, ushort sequence, ReadOnlySpan<byte> data, IpAddr source, IpAddr target)
    {
        int length = IcmpV6Packet.HeaderLength + data.Length;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooShort(length, destination.Length);
        }
        destination[0] = reply ? IcmpV6Packet.TypeEchoReply : IcmpV6Packet.TypeEchoRequest;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], sequence);
        data.CopyTo(destination[8..]);
        FillChecksum(destination[..length], source, target);
        return length;
    }

    /// <summary>Writes a destination unreachable quoting <paramref name="original"/>; returns its length.</summary>
    public static int WriteDestinationUnreachable(Span<byte> destination, byte code, ReadOnlySpan<byte> original, IpAddr source, IpAddr target) =>
        WriteError(destination, IcmpV6Packet.TypeDestinationUnreachable, code, original, source, target);

    /// <summary>Writes a time exceeded (hop limit exceeded in transit) quoting <paramref name="original"/>; returns its length.</summary>
    public static int WriteTimeExceeded(Span<byte> destination, ReadOnlySpan<byte> original, IpAddr source, IpAddr target) =>
        WriteError(destination, IcmpV6Packet.TypeTimeExceeded, IcmpV6Packet.CodeHopLimitExceeded, original, source, target);

    /// <summary>
    /// Writes a packet too big (type 2, RFC 4443 3.2) with the <paramref name="mtu"/> of the next hop,
    /// quoting as much of <paramref name="original"/> as keeps the message within 1280 bytes; returns
    /// its length. Refuses an MTU under 1280, which no IPv6 link may have (RFC 8200 section 5).
    /// </summary>
    public static int WritePacketTooBig(Span<byte> destination, uint mtu, ReadOnlySpan<byte> original, IpAddr source, IpAddr target)
    {
        CheckMtu(mtu);
        return WriteError(destination, IcmpV6Packet.TypePacketTooBig, 0, original, source, target, mtu);
    }

    private static void CheckMtu(uint mtu)
    {
        if (mtu < MinimumMtu)
        {
            ThrowHelper.ThrowArgument(nameof(mtu), $"An IPv6 MTU is at least {MinimumMtu} bytes.");
        }
    }

    // An error message: type, code, checksum, the rest of the header (unused but for the MTU of a
    // packet too big), and the quote.
    private static int WriteError(Span<byte> destination, byte type, byte code, ReadOnlySpan<byte> original, IpAddr source, IpAddr target, uint rest = 0)
    {
        var quote = original[..Math.Min(original.Length, MaxQuote)];
        int length = IcmpV6Packet.HeaderLength + quote.Length;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooShort(length, destination.Length);
        }
        destination[0] = type;
        destination[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], rest);
        quote.CopyTo(destination[8..]);
        FillChecksum(destination[..length], source, target);
        return length;
    }

    /// <summary>
    /// Writes a Neighbor Solicitation for <paramref name="target"/>, with a source link-layer
    /// option unless <paramref name="sourceMac"/> is null (DAD from :: carries none); returns its length.
    /// </summary>
    public static int WriteNeighborSolicitation(Span<byte> destination, IpAddr target, MacAddress? sourceMac, IpAddr source, IpAddr ipDestination)
    {
        int length = sourceMac is null ? NeighborMessage.FixedLength : NeighborMessageWithOptionLength;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooShort(length, destination.Length);
        }
        destination[0] = IcmpV6Packet.TypeNeighborSolicitation;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], 0);
        target.WriteTo(destination[8..]);
        if (sourceMac is { } mac)
        {
            WriteLinkLayerOption(destination[NeighborMessage.FixedLength..], NeighborMessage.OptionSourceLinkLayer, mac);
        }
        FillChecksum(destination[..length], source, ipDestination);
        return length;
    }

    /// <summary>Writes a Neighbor Advertisement for <paramref name="target"/> at <paramref name="targetMac"/>; returns its length.</summary>
    public static int WriteNeighborAdvertisement(Span<byte> destination, NeighborAdvertisementFlags flags, IpAddr target, MacAddress targetMac, IpAddr source, IpAddr ipDestination)
    {
        int length = NeighborMessageWithOptionLength;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooShort(length, destination.Length);
        }
        destination[0] = IcmpV6Packet.TypeNeighborAdvertisement;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)flags << 24);
        target.WriteTo(destination[8..]);
        WriteLinkLayerOption(destination[NeighborMessage.FixedLength..], NeighborMessage.OptionTargetLinkLayer, targetMac);
        FillChecksum(destination[..length], source, ipDestination);
        return length;
    }

    /// <summary>Writes a whole Ethernet + IPv6 + ICMPv6 echo frame; returns its length.</summary>
    public static int WriteEchoFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source, IpAddr target,
        bool reply, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        const int ip = EthernetFrame.HeaderLength;
        const int icmpAt = ip + IPv6Packet.HeaderLength;
        EthernetWriter.Write(destination, ethDst, ethSrc, EtherType.IPv6);
        int icmp = WriteEcho(destination[icmpAt..], reply, identifier, sequence, data, source, target);
        IPv6Writer.WriteHeader(destination[ip..], source, target, IpProtocol.IcmpV6, icmp);
        return EthernetWriter.Pad(destination, icmpAt + icmp);
    }

    /// <summary>
    /// Writes a whole Neighbor Solicitation frame. For address resolution it goes to the target's
    /// solicited-node multicast group; with <paramref name="dad"/> the source is :: and no
    /// link-layer option is sent (RFC 4862 duplicate address detection). Returns its length.
    /// </summary>
    public static int WriteNeighborSolicitationFrame(Span<byte> destination, MacAddress sourceMac, IpAddr source, IpAddr target, bool dad = false)
    {
        const int ip = EthernetFrame.HeaderLength;
        const int icmpAt = ip + IPv6Packet.HeaderLength;
        var group = target.SolicitedNodeMulticast();
        var src = dad ? IpAddr.V6Any : source;
        EthernetWriter.Write(destination, MacAddress.ForIPv6Multicast(group), sourceMac, EtherType.IPv6);
        int icmp = WriteNeighborSolicitation(destination[icmpAt..], target, dad ? null : sourceMac, src, group);
        IPv6Writer.WriteHeader(destination[ip..], src, group, IpProtocol.IcmpV6, icmp, hopLimit: 255);
        return icmpAt + icmp;
    }

    /// <summary>
    /// Writes a whole solicited Neighbor Advertisement frame answering <paramref name="askerIp"/>:
    /// "<paramref name="target"/> is at <paramref name="targetMac"/>", flags S and O (and R when
    /// <paramref name="router"/>). Returns its length.
    /// </summary>
    public static int WriteNeighborAdvertisementFrame(Span<byte> destination, MacAddress targetMac, IpAddr target, MacAddress askerMac, IpAddr askerIp, bool router = false)
    {
        const int ip = EthernetFrame.HeaderLength;
        const int icmpAt = ip + IPv6Packet.HeaderLength;
        var flags = NeighborAdvertisementFlags.Solicited | NeighborAdvertisementFlags.Override | (router ? NeighborAdvertisementFlags.Router : 0);
        // An NA answering DAD (asker ::) goes to all-nodes and is not solicited (RFC 4861 7.2.4).
        var dst = askerIp.IsUnspecified ? IpAddr.V6AllNodes : askerIp;
        if (askerIp.IsUnspecified)
        {
            flags &= ~NeighborAdvertisementFlags.Solicited;
        }
        var ethDst = askerIp.IsUnspecified ? MacAddress.ForIPv6Multicast(dst) : askerMac;
        EthernetWriter.Write(destination, ethDst, targetMac, EtherType.IPv6);
        int icmp = WriteNeighborAdvertisement(destination[icmpAt..], flags, target, targetMac, target, dst);
        IPv6Writer.WriteHeader(destination[ip..], target, dst, IpProtocol.IcmpV6, icmp, hopLimit: 255);
        return icmpAt + icmp;
    }

    /// <summary>
    /// Writes an unsolicited Neighbor Advertisement announcing <paramref name="ip"/> at
    /// <paramref name="mac"/> with the override flag: to all-nodes (RFC 4861 7.2.6), or to the
    /// address's solicited-node group as draft-ietf-nvo3-vmm describes. Returns its length.
    /// </summary>
    public static int WriteUnsolicitedNeighborAdvertisementFrame(Span<byte> destination, MacAddress mac, IpAddr ip, bool toSolicitedNode = false, bool router = false)
    {
        const int ipAt = EthernetFrame.HeaderLength;
        const int icmpAt = ipAt + IPv6Packet.HeaderLength;
        var dst = toSolicitedNode ? ip.SolicitedNodeMulticast() : IpAddr.V6AllNodes;
        var flags = NeighborAdvertisementFlags.Override | (router ? NeighborAdvertisementFlags.Router : 0);
        EthernetWriter.Write(destination, MacAddress.ForIPv6Multicast(dst), mac, EtherType.IPv6);
        int icmp = WriteNeighborAdvertisement(destination[icmpAt..], flags, ip, mac, ip, dst);
        IPv6Writer.WriteHeader(destination[ipAt..], ip, dst, IpProtocol.IcmpV6, icmp, hopLimit: 255);
        return icmpAt + icmp;
    }

    /// <summary>
    /// Writes a whole Ethernet + IPv6 + destination unreachable frame from <paramref name="source"/>
    /// to the sender of <paramref name="originalIpPacket"/>; returns its length.
    /// </summary>
    public static int WriteDestinationUnreachableFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source,
        byte code, ReadOnlySpan<byte> originalIpPacket) =>
        WriteErrorFrame(destination, ethDst, ethSrc, source, IcmpV6Packet.TypeDestinationUnreachable, code, originalIpPacket);

    /// <summary>
    /// Writes a whole Ethernet + IPv6 + time exceeded frame from <paramref name="source"/> (the
    /// router that would not forward it) to the sender of <paramref name="originalIpPacket"/>; returns its length.
    /// </summary>
    public static int WriteTimeExceededFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source,
        ReadOnlySpan<byte> originalIpPacket) =>
        WriteErrorFrame(destination, ethDst, ethSrc, source, IcmpV6Packet.TypeTimeExceeded, IcmpV6Packet.CodeHopLimitExceeded, originalIpPacket);

    /// <summary>
    /// Writes a whole Ethernet + IPv6 + packet too big frame from <paramref name="source"/> (the
    /// router whose next hop is too small) to the sender of <paramref name="originalIpPacket"/>; returns its length.
    /// </summary>
    public static int WritePacketTooBigFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source,
        uint mtu, ReadOnlySpan<byte> originalIpPacket)
    {
        CheckMtu(mtu);
        return WriteErrorFrame(destination, ethDst, ethSrc, source, IcmpV6Packet.TypePacketTooBig, 0, originalIpPacket, mtu);
    }

    private static int WriteErrorFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source,
        byte type, byte code, ReadOnlySpan<byte> originalIpPacket, uint rest = 0)
    {
        if (!IPv6Packet.TryParse(originalIpPacket, out var original, out _))
        {
            ThrowHelper.ThrowArgument(nameof(originalIpPacket), "The quoted packet must be an IPv6 packet.");
        }
        const int ipAt = EthernetFrame.HeaderLength;
        const int icmpAt = ipAt + IPv6Packet.HeaderLength;
        EthernetWriter.Write(destination, ethDst, ethSrc, EtherType.IPv6);
        int icmp = WriteError(destination[icmpAt..], type, code, original.Bytes, source, original.Source, rest);
        IPv6Writer.WriteHeader(destination[ipAt..], source, original.Source, IpProtocol.IcmpV6, icmp);
        return icmpAt + icmp;
    }

    private static void WriteLinkLayerOption(Span<byte> destination, byte type, MacAddress mac)
    {
        destination[0] = type;
        destination[1] = 1;
        mac.WriteTo(destination[2..]);
    }

    private static void FillChecksum(Span<byte> message, IpAddr source, IpAddr target)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], Checksum.ComputeTransport(source, target, IpProtocol.IcmpV6, message));
    }
}
