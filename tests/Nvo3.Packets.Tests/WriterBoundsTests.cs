namespace Nvo3.Packets.Tests;

/// <summary>
/// Writers fill a caller's span: too short a span is an <see cref="ArgumentException"/> (never an
/// index error), and a long one is written up to the returned length and not one byte further.
/// </summary>
public class WriterBoundsTests
{
    private delegate int SpanWriter(Span<byte> destination);

    private static readonly byte[] Udp4 = Frames.UdpPacket(v6: false);
    private static readonly byte[] Udp6 = Frames.UdpPacket(v6: true);
    private static readonly byte[] Inner = Frames.ArpRequest();
    private static readonly byte[] Options = TcpOptionBytes.Syn(1460, 7, true, (1, 2));

    // Each writer with the bytes it may touch beyond its returned length (payload "already in place").
    private static readonly Dictionary<string, (SpanWriter Write, int PayloadAfter)> Writers = new()
    {
        ["EthernetWriter.Write"] = (d => EthernetWriter.Write(d, Frames.PeerMac, Frames.VmMac, EtherType.IPv4), 0),
        ["EthernetWriter.WriteTagged"] = (d => EthernetWriter.WriteTagged(d, Frames.PeerMac, Frames.VmMac, 10, 1, EtherType.IPv4), 0),
        ["ArpWriter.Write"] = (d => ArpWriter.Write(d, ArpOperation.Request, Frames.VmMac, Frames.VmIPv4, MacAddress.Zero, Frames.PeerIPv4), 0),
        ["ArpWriter.WriteRequestFrame"] = (d => ArpWriter.WriteRequestFrame(d, Frames.VmMac, Frames.VmIPv4, Frames.PeerIPv4), 0),
        ["ArpWriter.WriteReplyFrame"] = (d => ArpWriter.WriteReplyFrame(d, Frames.VmMac, Frames.VmIPv4, Frames.PeerMac, Frames.PeerIPv4), 0),
        ["ArpWriter.WriteGratuitousFrame"] = (d => ArpWriter.WriteGratuitousFrame(d, Frames.VmMac, Frames.VmIPv4, asReply: true), 0),
        ["ArpWriter.WriteRarpAnnounceFrame"] = (d => ArpWriter.WriteRarpAnnounceFrame(d, Frames.VmMac), 0),
        ["ArpWriter.WriteRarpReplyFrame"] = (d => ArpWriter.WriteRarpReplyFrame(d, Frames.GatewayMac, Frames.GatewayIPv4, Frames.VmMac, Frames.VmIPv4), 0),
        ["IPv4Writer.WriteHeader"] = (d => IPv4Writer.WriteHeader(d, Frames.VmIPv4, Frames.PeerIPv4, IpProtocol.Udp, 100), 0),
        ["IPv6Writer.WriteHeader"] = (d => IPv6Writer.WriteHeader(d, Frames.VmIPv6, Frames.PeerIPv6, IpProtocol.Udp, 100), 0),
        ["UdpWriter.WriteHeader"] = (d => UdpWriter.WriteHeader(d, 1, 2, 5, Frames.VmIPv4, Frames.PeerIPv4), 5),
        ["UdpWriter.WriteFrame"] = (d => UdpWriter.WriteFrame(d, Frames.PeerMac, Frames.VmMac, Frames.VmIPv6, Frames.PeerIPv6, 1, 2, "payload"u8), 0),
        ["TcpWriter.WriteHeader"] = (d => TcpWriter.WriteHeader(d, 1, 2, 3, 4, TcpFlags.Syn, 5, Options, 7, Frames.VmIPv4, Frames.PeerIPv4), 7),
        ["IcmpV4Writer.WriteEcho"] = (d => IcmpV4Writer.WriteEcho(d, false, 1, 2, "ping"u8), 0),
        ["IcmpV4Writer.WriteDestinationUnreachable"] = (d => IcmpV4Writer.WriteDestinationUnreachable(d, 1, Udp4), 0),
        ["IcmpV4Writer.WriteEchoFrame"] = (d => IcmpV4Writer.WriteEchoFrame(d, Frames.PeerMac, Frames.VmMac, Frames.VmIPv4, Frames.PeerIPv4, false, 1, 2, "ping"u8), 0),
        ["IcmpV4Writer.WriteDestinationUnreachableFrame"] = (d => IcmpV4Writer.WriteDestinationUnreachableFrame(d, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv4, 1, Udp4), 0),
        ["IcmpV6Writer.WriteEcho"] = (d => IcmpV6Writer.WriteEcho(d, false, 1, 2, "ping"u8, Frames.VmIPv6, Frames.PeerIPv6), 0),
        ["IcmpV6Writer.WriteDestinationUnreachable"] = (d => IcmpV6Writer.WriteDestinationUnreachable(d, 3, Udp6, Frames.GatewayIPv6, Frames.VmIPv6), 0),
        ["IcmpV6Writer.WriteNeighborSolicitation"] = (d => IcmpV6Writer.WriteNeighborSolicitation(d, Frames.PeerIPv6, Frames.VmMac, Frames.VmIPv6, Frames.PeerIPv6.SolicitedNodeMulticast()), 0),
        ["IcmpV6Writer.WriteNeighborSolicitation (DAD)"] = (d => IcmpV6Writer.WriteNeighborSolicitation(d, Frames.PeerIPv6, null, IpAddr.V6Any, Frames.PeerIPv6.SolicitedNodeMulticast()), 0),
        ["IcmpV6Writer.WriteNeighborAdvertisement"] = (d => IcmpV6Writer.WriteNeighborAdvertisement(d, NeighborAdvertisementFlags.Override, Frames.VmIPv6, Frames.VmMac, Frames.VmIPv6, IpAddr.V6AllNodes), 0),
        ["IcmpV6Writer.WriteEchoFrame"] = (d => IcmpV6Writer.WriteEchoFrame(d, Frames.PeerMac, Frames.VmMac, Frames.VmIPv6, Frames.PeerIPv6, false, 1, 2, ""u8), 0),
        ["IcmpV6Writer.WriteNeighborSolicitationFrame"] = (d => IcmpV6Writer.WriteNeighborSolicitationFrame(d, Frames.VmMac, Frames.VmIPv6, Frames.PeerIPv6), 0),
        ["IcmpV6Writer.WriteNeighborAdvertisementFrame"] = (d => IcmpV6Writer.WriteNeighborAdvertisementFrame(d, Frames.PeerMac, Frames.PeerIPv6, Frames.VmMac, Frames.VmIPv6), 0),
        ["IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame"] = (d => IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame(d, Frames.VmMac, Frames.VmIPv6), 0),
        ["IcmpV6Writer.WriteDestinationUnreachableFrame"] = (d => IcmpV6Writer.WriteDestinationUnreachableFrame(d, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv6, 3, Udp6), 0),
        ["IcmpV4Writer.WriteTimeExceeded"] = (d => IcmpV4Writer.WriteTimeExceeded(d, Udp4), 0),
        ["IcmpV4Writer.WriteTimeExceededFrame"] = (d => IcmpV4Writer.WriteTimeExceededFrame(d, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv4, Udp4), 0),
        ["IcmpV6Writer.WriteTimeExceeded"] = (d => IcmpV6Writer.WriteTimeExceeded(d, Udp6, Frames.GatewayIPv6, Frames.VmIPv6), 0),
        ["IcmpV6Writer.WriteTimeExceededFrame"] = (d => IcmpV6Writer.WriteTimeExceededFrame(d, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv6, Udp6), 0),
        ["IcmpV4Writer.WriteFragmentationNeeded"] = (d => IcmpV4Writer.WriteFragmentationNeeded(d, 1450, Udp4), 0),
        ["IcmpV4Writer.WriteFragmentationNeededFrame"] = (d => IcmpV4Writer.WriteFragmentationNeededFrame(d, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv4, 1450, Udp4), 0),
        ["IcmpV6Writer.WritePacketTooBig"] = (d => IcmpV6Writer.WritePacketTooBig(d, 1430, Udp6, Frames.GatewayIPv6, Frames.VmIPv6), 0),
        ["IcmpV6Writer.WritePacketTooBigFrame"] = (d => IcmpV6Writer.WritePacketTooBigFrame(d, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv6, 1430, Udp6), 0),
        ["VirtioNetHeader.Write"] = (d => new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.TcpV4, false, 66, 1448, 34, 16).Write(d, VirtioNetHeader.LengthV1), 0),
        ["VxlanHeader.Write"] = (d => VxlanHeader.Write(d, 5), 0),
        ["VxlanGpeHeader.Write"] = (d => VxlanGpeHeader.Write(d, 5, GpeNextProtocol.IPv6), 0),
        ["UnderlayFrame.Write"] = (d => UnderlayFrame.Write(d, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA4, Frames.UnderlayB4, 1, 2, "x"u8), 0),
        ["UnderlayFrame.WriteVxlan"] = (d => UnderlayFrame.WriteVxlan(d, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA6, Frames.UnderlayB6, 5, Inner), 0),
        ["UnderlayFrame.WriteVxlan (tiny inner)"] = (d => UnderlayFrame.WriteVxlan(d, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA4, Frames.UnderlayB4, 5, "x"u8), 0),
        ["UnderlayFrame.WriteVxlanGpe"] = (d => UnderlayFrame.WriteVxlanGpe(d, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA4, Frames.UnderlayB4, 5, GpeNextProtocol.IPv4, Udp4), 0),
    };

    public static TheoryData<string> WriterNames => [.. Writers.Keys];

    [Theory]
    [MemberData(nameof(WriterNames))]
    public void Writer_EveryTooShortDestination_ThrowsArgumentException(string name)
    {
        var (write, payloadAfter) = Writers[name];
        int needed = write(new byte[2048]) + payloadAfter;

        for (int length = 0; length < needed; length++)
        {
            var destination = new byte[length];
            var ex = Assert.ThrowsAny<ArgumentException>(() => write(destination));
            Assert.False(string.IsNullOrEmpty(ex.Message));
        }
    }

    [Theory]
    [MemberData(nameof(WriterNames))]
    public void Writer_LongDestination_WritesNothingPastItsLength(string name)
    {
        var (write, payloadAfter) = Writers[name];
        var destination = Enumerable.Repeat((byte)0xEE, 2048).ToArray();

        int written = write(destination);

        Assert.All(destination[(written + payloadAfter)..], b => Assert.Equal(0xEE, b));
    }
}
