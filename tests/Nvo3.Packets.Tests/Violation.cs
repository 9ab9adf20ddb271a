using System.Buffers.Binary;
using static Nvo3.Packets.Tests.OffloadFrames;

namespace Nvo3.Packets.Tests;

/// <summary>
/// Pairs of consecutive segments of one flow where the second breaks one rule of Linux's GRO
/// (tcp_gro_receive, inet_gro_flush, ipv6_gro_flush, inet_gro_receive), or names another flow: the
/// cases a coalescer must never merge.
/// </summary>
internal static class Violation
{
    private const int FirstLength = 1000;

    private delegate (byte[] Second, int Stream) Breaker(Flow flow, uint nextSequence, ushort nextId);

    /// <summary>Every case by name, with the families it applies to; "none" is the control that merges.</summary>
    public static readonly IReadOnlyDictionary<string, (bool V4, bool V6)> All = Cases().ToDictionary(c => c.Name, c => (c.V4, c.V6));

    /// <summary>The first segment of <paramref name="flow"/>, the second with <paramref name="name"/> broken, and the second's stream.</summary>
    public static (byte[] First, byte[] Second, int Stream) Pair(Flow flow, string name)
    {
        var first = Segment(flow, Payload(FirstLength, 1), flow.Sequence, flow.Flags, flow.Id);
        var breaker = Cases().Single(c => c.Name == name).Break;
        if (name == "same id without DF")
        {
            flow = flow with { DontFragment = false };
            first = Segment(flow, Payload(FirstLength, 1), flow.Sequence, flow.Flags, flow.Id);
        }
        var (second, stream) = breaker(flow, flow.Sequence + FirstLength, (ushort)(flow.Id + 1));
        return (first, second, stream);
    }

    private static IEnumerable<(string Name, bool V4, bool V6, Breaker Break)> Cases()
    {
        yield return ("none", true, true, (f, seq, id) => (Next(f, seq, id), 0));
        yield return ("sequence gap", true, true, (f, seq, id) => (Next(f, seq + 1, id), 0));
        yield return ("sequence overlap", true, true, (f, seq, id) => (Next(f, seq - 1, id), 0));
        yield return ("acknowledgment", true, true, (f, seq, id) => (Next(f with { Acknowledgment = f.Acknowledgment + 1 }, seq, id), 0));
        yield return ("window", true, true, (f, seq, id) => (Next(f with { Window = (ushort)(f.Window + 1) }, seq, id), 0));
        yield return ("options changed", true, true, (f, seq, id) =>
            (Next(f with { Options = f.Options.Length == 0 ? [1, 1, 1, 1] : [] }, seq, id), 0));
        yield return ("timestamp value", true, true, (f, seq, id) => (Next(f with { Options = Timestamps(BinaryPrimitives.ReadUInt32BigEndian(WithTimestamps(f).Options.AsSpan(4)) + 1, 0x0102_0304) }, seq, id), 0));
        yield return ("SYN", true, true, (f, seq, id) => (Next(f with { Flags = f.Flags | TcpFlags.Syn }, seq, id), 0));
        yield return ("RST", true, true, (f, seq, id) => (Next(f with { Flags = f.Flags | TcpFlags.Rst }, seq, id), 0));
        yield return ("URG", true, true, (f, seq, id) => (Next(f with { Flags = f.Flags | TcpFlags.Urg }, seq, id), 0));
        yield return ("ECE", true, true, (f, seq, id) => (Next(f with { Flags = f.Flags | TcpFlags.Ece }, seq, id), 0));
        yield return ("CWR", true, true, (f, seq, id) => (Next(f with { Flags = f.Flags | TcpFlags.Cwr }, seq, id), 0));
        yield return ("TTL or hop limit", true, true, (f, seq, id) => (Next(f with { Ttl = (byte)(f.Ttl ^ 1) }, seq, id), 0));
        yield return ("TOS or traffic class", true, true, (f, seq, id) => (Next(f with { TrafficClass = (byte)(f.TrafficClass ^ 4) }, seq, id), 0));
        yield return ("DF", true, false, (f, seq, id) => (Next(f with { DontFragment = !f.DontFragment }, seq, id), 0));
        yield return ("id skips", true, false, (f, seq, id) => (Next(f, seq, (ushort)(id + 1)), 0));
        yield return ("same id without DF", true, false, (f, seq, id) => (Next(f, seq, f.Id), 0));
        yield return ("IPv4 options", true, false, (f, seq, id) => (WithIPv4Options(Next(f, seq, id)), 0));
        yield return ("more fragments", true, false, (f, seq, id) => (WithIPv4Header(Next(f, seq, id), h => h[6] |= 0x20), 0));
        yield return ("IPv4 header checksum", true, false, (f, seq, id) => (Corrupt(Next(f, seq, id), EthernetFrame.HeaderLength + 10), 0));
        yield return ("TCP checksum", true, true, (f, seq, id) => (Corrupt(Next(f, seq, id), ^1), 0));
        yield return ("longer than the first", true, true, (f, seq, id) => (Segment(f, Payload(FirstLength + 1, 2), seq, f.Flags, id), 0));
        yield return ("no payload", true, true, (f, seq, id) => (Segment(f, [], seq, f.Flags, id), 0));
        yield return ("padding", true, true, (f, seq, id) => ([.. Next(f, seq, id), 0], 0));
        yield return ("flow label", false, true, (f, seq, id) => (Next(f with { FlowLabel = f.FlowLabel ^ 1 }, seq, id), 0));
        yield return ("destination port", true, true, (f, seq, id) => (Next(f with { DestinationPort = (ushort)(f.DestinationPort ^ 1) }, seq, id), 0));
        yield return ("source address", true, true, (f, seq, id) => (Next(f with { Source = f.Destination }, seq, id), 0));
        yield return ("link header", true, true, (f, seq, id) => (Corrupt(Next(f, seq, id), 6), 0));
        yield return ("stream", true, true, (f, seq, id) => (Next(f, seq, id), 1));
    }

    private static byte[] Next(Flow flow, uint sequence, ushort id) => Segment(flow, Payload(FirstLength, 2), sequence, flow.Flags, id);

    private static Flow WithTimestamps(Flow flow) => flow.Options.Length == 12 ? flow : flow with { Options = Timestamps(7, 0x0102_0304) };

    private static byte[] Corrupt(byte[] frame, Index at)
    {
        frame[at] ^= 0x01;
        return frame;
    }

    // Changes the IPv4 header and gives it a valid checksum again.
    private static byte[] WithIPv4Header(byte[] frame, Action<byte[]> change)
    {
        var header = frame[EthernetFrame.HeaderLength..(EthernetFrame.HeaderLength + ((frame[EthernetFrame.HeaderLength] & 0xF) * 4))];
        change(header);
        header[10] = header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), Checksum.Compute(header));
        header.CopyTo(frame, EthernetFrame.HeaderLength);
        return frame;
    }

    // Four NOP options into the IPv4 header (the TCP checksum does not cover them).
    private static byte[] WithIPv4Options(byte[] frame)
    {
        const int ip = EthernetFrame.HeaderLength;
        byte[] longer = [.. frame[..(ip + 20)], 1, 1, 1, 1, .. frame[(ip + 20)..]];
        longer[ip] = 0x46;
        BinaryPrimitives.WriteUInt16BigEndian(longer.AsSpan(ip + 2), (ushort)(longer.Length - ip));
        return WithIPv4Header(longer, _ => { });
    }
}
