using System.Buffers.Binary;
using CsCheck;

namespace Nvo3.Packets.Tests;

/// <summary>
/// TCP flows for the offload tests: super-frames as a TAP with TSO hands them over (the TCP
/// checksum field holding the pseudo-header sum, as Linux's <c>tcp_v4_send_check</c> leaves it),
/// and the plain segments a peer's stack sends.
/// </summary>
internal static class OffloadFrames
{
    /// <summary>Everything of one TCP flow that the headers of its segments carry.</summary>
    internal sealed record Flow(
        bool V6, IpAddr Source, IpAddr Destination, ushort SourcePort, ushort DestinationPort, uint Sequence, uint Acknowledgment,
        TcpFlags Flags, ushort Window, byte[] Options, byte Ttl, byte TrafficClass, ushort Id, bool DontFragment, uint FlowLabel)
    {
        public int IpHeaderLength => V6 ? IPv6Packet.HeaderLength : IPv4Packet.MinHeaderLength;

        public int TcpHeaderLength => TcpSegment.MinHeaderLength + Options.Length;

        public int HeadersLength => EthernetFrame.HeaderLength + IpHeaderLength + TcpHeaderLength;
    }

    public static readonly MacAddress VmMac = MacAddress.Parse("52:54:00:12:34:56");
    public static readonly MacAddress PeerMac = MacAddress.Parse("52:54:00:ab:cd:ef");

    /// <summary>The option bytes Linux puts on every data segment of a connection with timestamps: NOP, NOP, TS.</summary>
    public static byte[] Timestamps(uint value, uint echo)
    {
        var options = new byte[12];
        options[0] = 1;
        options[1] = 1;
        options[2] = 8;
        options[3] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(options.AsSpan(4), value);
        BinaryPrimitives.WriteUInt32BigEndian(options.AsSpan(8), echo);
        return options;
    }

    public static Flow Sample(bool v6, TcpFlags flags = TcpFlags.Ack, byte[]? options = null) => new(
        v6, v6 ? Frames.VmIPv6 : Frames.VmIPv4, v6 ? Frames.PeerIPv6 : Frames.PeerIPv4, 43210, 5201, 0xFFFF_F000, 0x1234_5678,
        flags, 502, options ?? Timestamps(0xA0B0_C0D0, 0x0102_0304), 64, 0, 0xFFFE, true, 0x1_2345);

    /// <summary>Random flows: either family, any ports and numbers, ACK with or without PSH or FIN, no options or timestamps.</summary>
    public static readonly Gen<Flow> Flows =
        Gen.Select(Gen.Bool, PacketGen.AddressPair, Gen.Select(PacketGen.Port, PacketGen.Port, Gen.UInt, Gen.UInt),
            Gen.Select(Gen.Int[0, 3], Gen.UShort, Gen.Bool, Gen.Select(Gen.UInt, Gen.UInt)),
            Gen.Select(Gen.Byte[1, 255], Gen.Byte, Gen.UShort, Gen.Bool, Gen.UInt[0, 0xF_FFFF]))
        .Select((_, addresses, ports, tcp, ip) =>
        {
            var (sp, dp, seq, ack) = ports;
            var (flagChoice, window, withTimestamps, ts) = tcp;
            var (ttl, tc, id, df, label) = ip;
            var flags = TcpFlags.Ack | flagChoice switch { 1 => TcpFlags.Psh, 2 => TcpFlags.Fin | TcpFlags.Psh, 3 => TcpFlags.Fin, _ => TcpFlags.None };
            return new Flow(addresses.Source.IsV6, addresses.Source, addresses.Destination, sp, dp, seq, ack, flags, window,
                withTimestamps ? Timestamps(ts.Item1, ts.Item2) : [], ttl, tc, id, df, label);
        });

    /// <summary>Payload bytes that differ at every offset, so a misplaced copy shows.</summary>
    public static byte[] Payload(int length, int seed)
    {
        var payload = new byte[length];
        new Random(seed).NextBytes(payload);
        return payload;
    }

    /// <summary>
    /// A super-frame of <paramref name="flow"/> carrying <paramref name="payload"/>, and the header a
    /// TAP with TSO gives it: GSO of <paramref name="segmentSize"/>, checksum needed at the TCP header.
    /// </summary>
    public static (byte[] Frame, VirtioNetHeader Header) SuperFrame(Flow flow, ReadOnlySpan<byte> payload, int segmentSize)
    {
        var frame = Segment(flow, payload, flow.Sequence, flow.Flags, flow.Id);
        int tcpAt = EthernetFrame.HeaderLength + flow.IpHeaderLength;
        int tcpLength = frame.Length - tcpAt;
        ushort partial = Checksum.Fold(Checksum.PseudoHeader(flow.Source, flow.Destination, IpProtocol.Tcp, tcpLength));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(tcpAt + 16), partial);
        var header = new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, flow.V6 ? VirtioGsoType.TcpV6 : VirtioGsoType.TcpV4, false,
            (ushort)flow.HeadersLength, (ushort)segmentSize, (ushort)tcpAt, VirtioNetHeader.TcpChecksumOffset);
        return (frame, header);
    }

    /// <summary>One plain segment of <paramref name="flow"/> with every checksum complete.</summary>
    public static byte[] Segment(Flow flow, ReadOnlySpan<byte> payload, uint sequence, TcpFlags flags, ushort id)
    {
        int ipAt = EthernetFrame.HeaderLength;
        int tcpAt = ipAt + flow.IpHeaderLength;
        var frame = new byte[tcpAt + flow.TcpHeaderLength + payload.Length];
        EthernetWriter.Write(frame, PeerMac, VmMac, flow.V6 ? EtherType.IPv6 : EtherType.IPv4);
        payload.CopyTo(frame.AsSpan(tcpAt + flow.TcpHeaderLength));
        TcpWriter.WriteHeader(frame.AsSpan(tcpAt), flow.SourcePort, flow.DestinationPort, sequence, flow.Acknowledgment, flags, flow.Window,
            flow.Options, payload.Length, flow.Source, flow.Destination);
        int tcpLength = flow.TcpHeaderLength + payload.Length;
        if (flow.V6)
        {
            IPv6Writer.WriteHeader(frame.AsSpan(ipAt), flow.Source, flow.Destination, IpProtocol.Tcp, tcpLength, flow.Ttl, flow.TrafficClass, flow.FlowLabel);
        }
        else
        {
            IPv4Writer.WriteHeader(frame.AsSpan(ipAt), flow.Source, flow.Destination, IpProtocol.Tcp, tcpLength, flow.Ttl, id, flow.DontFragment, flow.TrafficClass);
        }
        return frame;
    }

    /// <summary>The segments the segmenter wrote, each without its prefix.</summary>
    public static List<byte[]> Datagrams(ReadOnlySpan<byte> output, SegmentationResult result, int prefixLength)
    {
        var list = new List<byte[]>(result.Count);
        for (int i = 0; i < result.Count; i++)
        {
            list.Add(output.Slice(result.Offset(i) + prefixLength, result.DatagramLength(i) - prefixLength).ToArray());
        }
        return list;
    }

    /// <summary>Bytes a destination needs for a payload cut into segments of at least 64 bytes.</summary>
    public static int OutputLength(Flow flow, int payloadLength, int segmentSize, int prefixLength) =>
        (Math.Max(1, (payloadLength + segmentSize - 1) / segmentSize) * (prefixLength + flow.HeadersLength)) + payloadLength;
}
