using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>Writes ICMPv4 messages and whole frames.</summary>
public static class IcmpV4Writer
{
    /// <summary>The most of an original datagram an error quotes, so the error fits 576 bytes (RFC 1812 4.3.2.3).</summary>
    public const int MaxQuote = 576 - IPv4Packet.MinHeaderLength - IcmpV4Packet.HeaderLength;

    /// <summary>The least MTU of an IPv4 link (RFC 791).</summary>
    public const int MinimumMtu = 68;

    /// <summary>Writes an echo request or reply with <paramref name="data"/>; returns its length.</summary>
    public static int WriteEcho(Span<byte> destination, bool reply, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        int length = IcmpV4Packet.HeaderLength + data.Length;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooShort(length, destination.Length);
        }
        destination[0] = reply ? IcmpV4Packet.TypeEchoReply : IcmpV4Packet.TypeEchoRequest;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], sequence);
        data.CopyTo(destination[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Checksum.Compute(destination[..length]));
        return length;
    }

    /// <summary>
    /// Writes a destination unreachable quoting <paramref name="original"/> (its IP header and as
    /// much payload as fits 576 bytes); returns its length.
    /// </summary>
    public static int WriteDestinationUnreachable(Span<byte> destination, byte code, ReadOnlySpan<byte> original) =>
        WriteError(destination, IcmpV4Packet.TypeDestinationUnreachable, code, original);

    /// <summary>Writes a time exceeded (TTL exceeded in transit) quoting <paramref name="original"/>; returns its length.</summary>
    public static int WriteTimeExceeded(Span<byte> destination, ReadOnlySpan<byte> original) =>
        WriteError(destination, IcmpV4Packet.TypeTimeExceeded, IcmpV4Packet.CodeTtlExceeded, original);

    /// <summary>
    /// Writes a destination unreachable, fragmentation needed and DF set (type 3 code 4), with the
    /// <paramref name="nextHopMtu"/> path MTU discovery needs (RFC 1191), quoting <paramref name="original"/>
    /// as much as fits 576 bytes; returns its length. Refuses an MTU under 68, the least every IPv4 link carries (RFC 791).
    /// </summary>
    public static int WriteFragmentationNeeded(Span<byte> destination, ushort nextHopMtu, ReadOnlySpan<byte> original)
    {
        if (nextHopMtu < MinimumMtu)
        {
            ThrowHelper.ThrowArgument(nameof(nextHopMtu), $"An IPv4 MTU is at least {MinimumMtu} bytes.");
        }
        return WriteError(destination, IcmpV4Packet.TypeDestinationUnreachable, IcmpV4Packet.CodeFragmentationNeeded, original, nextHopMtu);
    }

    // An error message: type, code, checksum, the rest of the header (unused but for the MTU of a
    // fragmentation needed), and the quote.
    private static int WriteError(Span<byte> destination, byte type, byte code, ReadOnlySpan<byte> original, uint rest = 0)
    {
        var quote = original[..Math.Min(original.Length, MaxQuote)];
        int length = IcmpV4Packet.HeaderLength + quote.Length;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooShort(length, destination.Length);
        }
        destination[0] = type;
        destination[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], rest);
        quote.CopyTo(destination[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Checksum.Compute(destination[..length]));
        return length;
    }

    /// <summary>Writes a whole Ethernet + IPv4 + ICMP echo frame, padded to 60 bytes; returns its length.</summary>
    public static int WriteEchoFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source, IpAddr target,
        bool reply, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        int at = EthernetWriter.Write(destination, ethDst, ethSrc, EtherType.IPv4);
        int icmp = WriteEcho(destination[(at + IPv4Packet.MinHeaderLength)..], reply, identifier, sequence, data);
        at += IPv4Writer.WriteHeader(destination[at..], source, target, IpProtocol.Icmp, icmp);
        return EthernetWriter.Pad(destination, at + icmp);
    }

    /// <summary>
    /// Writes a whole Ethernet + IPv4 + destination unreachable frame from <paramref name="source"/>
    /// to the sender of <paramref name="originalIpPacket"/>; returns its length.
    /// </summary>
    public static int WriteDestinationUnreachableFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source,
        byte code, ReadOnlySpan<byte> originalIpPacket) =>
        WriteErrorFrame(destination, ethDst, ethSrc, source, IcmpV4Packet.TypeDestinationUnreachable, code, originalIpPacket);

    /// <summary>
    /// Writes a whole Ethernet + IPv4 + time exceeded frame from <paramref name="source"/> (the
    /// router that would not forward it) to the sender of <paramref name="originalIpPacket"/>; returns its length.
    /// </summary>
    public static int WriteTimeExceededFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source,
        ReadOnlySpan<byte> originalIpPacket) =>
        WriteErrorFrame(destination, ethDst, ethSrc, source, IcmpV4Packet.TypeTimeExceeded, IcmpV4Packet.CodeTtlExceeded, originalIpPacket);

    /// <summary>
    /// Writes a whole Ethernet + IPv4 + fragmentation needed frame from <paramref name="source"/> (the
    /// router whose next hop is too small) to the sender of <paramref name="originalIpPacket"/>; returns its length.
    /// </summary>
    public static int WriteFragmentationNeededFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source,
        ushort nextHopMtu, ReadOnlySpan<byte> originalIpPacket)
    {
        if (nextHopMtu < MinimumMtu)
        {
            ThrowHelper.ThrowArgument(nameof(nextHopMtu), $"An IPv4 MTU is at least {MinimumMtu} bytes.");
        }
        return WriteErrorFrame(destination, ethDst, ethSrc, source, IcmpV4Packet.TypeDestinationUnreachable, IcmpV4Packet.CodeFragmentationNeeded,
            originalIpPacket, nextHopMtu);
    }

    private static int WriteErrorFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, IpAddr source,
        byte type, byte code, ReadOnlySpan<byte> originalIpPacket, uint rest = 0)
    {
        if (!IPv4Packet.TryParse(originalIpPacket, out var original, out _))
        {
            ThrowHelper.ThrowArgument(nameof(originalIpPacket), "The quoted packet must be an IPv4 packet.");
        }
        int at = EthernetWriter.Write(destination, ethDst, ethSrc, EtherType.IPv4);
        int icmp = WriteError(destination[(at + IPv4Packet.MinHeaderLength)..], type, code, original.Bytes, rest);
        at += IPv4Writer.WriteHeader(destination[at..], source, original.Source, IpProtocol.Icmp, icmp);
        return EthernetWriter.Pad(destination, at + icmp);
    }
}
