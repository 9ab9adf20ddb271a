using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// A received frame as <see cref="TcpCoalescer"/> sees it: not TCP at all, a TCP segment whose flow
/// it knows but which may not be merged, or a segment that passes every check Linux's GRO makes
/// before it looks for a flow to merge into (inet_gro_receive, ipv6_gro_receive, tcp4/6_gro_receive).
/// </summary>
internal readonly ref struct GroCandidate
{
    public const byte FinalFlags = (byte)(TcpFlags.Urg | TcpFlags.Psh | TcpFlags.Rst | TcpFlags.Syn | TcpFlags.Fin);

    private GroCandidate(GroKind kind, bool v6, int networkOffset, int ipHeaderLength, int tcpHeaderLength, ReadOnlySpan<byte> frame)
    {
        Kind = kind;
        V6 = v6;
        NetworkOffset = networkOffset;
        IpHeaderLength = ipHeaderLength;
        TcpHeaderLength = tcpHeaderLength;
        Frame = frame;
    }

    public GroKind Kind { get; }

    public bool V6 { get; }

    public int NetworkOffset { get; }

    public int IpHeaderLength { get; }

    public int TcpHeaderLength { get; }

    /// <summary>The frame up to the end of its IP packet.</summary>
    public ReadOnlySpan<byte> Frame { get; }

    public ReadOnlySpan<byte> Ip => Frame[NetworkOffset..];

    public int TcpAt => NetworkOffset + IpHeaderLength;

    public ReadOnlySpan<byte> Tcp => Frame[TcpAt..];

    public int PayloadLength => Frame.Length - TcpAt - TcpHeaderLength;

    public uint Sequence => BinaryPrimitives.ReadUInt32BigEndian(Tcp[4..]);

    public byte Flags => Tcp[13];

    /// <summary>
    /// Reads <paramref name="frame"/>, whose IP header starts at <paramref name="networkOffset"/>.
    /// A mergeable segment is IPv4 without options, with a valid header checksum, a total length that
    /// is the packet's own (no padding), no fragment bits (DF aside); or IPv6 whose next header is TCP
    /// (extension headers are not walked) and whose payload length is the packet's own; and a TCP
    /// header that fits, with a valid checksum when <paramref name="verifyChecksums"/>.
    /// </summary>
    public static GroCandidate Inspect(ReadOnlySpan<byte> frame, int networkOffset, bool verifyChecksums)
    {
        if (frame.Length < networkOffset + IPv4Packet.MinHeaderLength)
        {
            return default;
        }
        var network = frame[networkOffset..];
        bool mergeable;
        bool v6;
        int ipHeaderLength;
        ReadOnlySpan<byte> transport;
        IpAddr source, destination;
        if (network[0] >> 4 == 4 && IPv4Packet.TryParse(network, out var ip4, out _))
        {
            if (ip4.Protocol != IpProtocol.Tcp || ip4.FragmentOffset != 0)
            {
                return default; // a later fragment has no TCP header to name its flow
            }
            v6 = false;
            ipHeaderLength = ip4.HeaderLength;
            transport = ip4.Payload;
            (source, destination) = (ip4.Source, ip4.Destination);
            ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(network[6..]);
            mergeable = network[0] == 0x45 && ip4.TotalLength == network.Length && (fragment & ~0x4000) == 0 && ip4.IsHeaderChecksumValid;
        }
        else if (network[0] >> 4 == 6 && IPv6Packet.TryParse(network, out var ip6, out _))
        {
            if (ip6.NextHeader != IpProtocol.Tcp)
            {
                return default;
            }
            v6 = true;
            ipHeaderLength = IPv6Packet.HeaderLength;
            transport = ip6.Payload;
            (source, destination) = (ip6.Source, ip6.Destination);
            mergeable = ip6.PayloadLength != 0 && ip6.Bytes.Length == network.Length;
        }
        else
        {
            return default;
        }
        if (transport.Length < TcpSegment.MinHeaderLength)
        {
            return default; // no ports: no flow
        }
        int tcpHeaderLength = (transport[12] >> 4) * 4;
        if (tcpHeaderLength < TcpSegment.MinHeaderLength || tcpHeaderLength > transport.Length)
        {
            mergeable = false;
            tcpHeaderLength = TcpSegment.MinHeaderLength;
        }
        else if (mergeable && verifyChecksums)
        {
            mergeable = Checksum.VerifyTransport(source, destination, IpProtocol.Tcp, transport);
        }
        var kind = mergeable ? GroKind.Mergeable : GroKind.Unmergeable;
        int end = networkOffset + ipHeaderLength + transport.Length;
        return new GroCandidate(kind, v6, networkOffset, ipHeaderLength, tcpHeaderLength, frame[..end]);
    }
}
