using System.Globalization;
using Nvo3.Testing;

namespace Nvo3.Packets.Tests;

/// <summary>
/// Wireshark's dissector reads the underlay frames Nvo3 builds: every field as written, every IP,
/// UDP, TCP, ICMP and ICMPv6 checksum good, nothing malformed and no expert error.
/// </summary>
public class TsharkTests
{
    private const string Good = "1";
    private const string Vni = "1193046"; // Frames.Vni, 0x123456
    private const string VmMac = "52:54:00:12:34:56";
    private const string PeerMac = "52:54:00:ab:cd:ef";

    private static readonly string[] ChecksumStatuses =
        ["ip.checksum.status", "udp.checksum.status", "tcp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status"];

    [Fact]
    public async Task UnderlayCapture_Tshark_ReadsEveryFieldAsWritten()
    {
        var tcpPayload = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();
        byte[][] frames =
        [
            /* 0 */ Frames.Vxlan(Frames.ArpRequest()),
            /* 1 */ Frames.Vxlan(Frames.GratuitousArp()),
            /* 2 */ Frames.Vxlan(Frames.GratuitousArp(asReply: true)),
            /* 3 */ Frames.Vxlan(Frames.RarpAnnounce()),
            /* 4 */ Frames.Vxlan(Frames.NeighborSolicitation()),
            /* 5 */ Frames.Vxlan(Frames.NeighborSolicitation(dad: true)),
            /* 6 */ Frames.Vxlan(Frames.NeighborAdvertisement()),
            /* 7 */ Frames.Vxlan(Frames.UnsolicitedNeighborAdvertisement()),
            /* 8 */ Frames.Vxlan(Frames.UnsolicitedNeighborAdvertisement(toSolicitedNode: true)),
            /* 9 */ Frames.Vxlan(Frames.IcmpV4Unreachable()),
            /* 10 */ Frames.Vxlan(Frames.IcmpV6Unreachable(), v6Underlay: true),
            /* 11 */ Frames.VxlanGpe(Frames.UdpPacket(v6: false), GpeNextProtocol.IPv4),
            /* 12 */ Frames.VxlanGpe(Frames.UdpPacket(v6: true), GpeNextProtocol.IPv6, v6Underlay: true),
            /* 13 */ Frames.VxlanGpe(Frames.UdpFrame(v6: false), GpeNextProtocol.Ethernet),
            /* 14 */ Frames.Vxlan(Frames.TcpSyn(v6: false)),
            /* 15 */ Frames.Vxlan(Frames.TcpSyn(v6: true), v6Underlay: true),
            /* 16 */ Frames.TcpFrame(Frames.VmIPv4, Frames.PeerIPv4, 43210, 80, 1000, 2000, TcpFlags.Ack | TcpFlags.Psh, 501, [], tcpPayload),
            /* 17 */ Frames.TcpFrame(Frames.VmIPv6, Frames.PeerIPv6, 43210, 80, 1000, 2000, TcpFlags.Ack | TcpFlags.Psh, 501, [], tcpPayload),
        ];

        var dissected = await Tshark.DissectAsync(frames, TestContext.Current.CancellationToken);

        Assert.Equal(frames.Length, dissected.Count);
        for (int i = 0; i < frames.Length; i++)
        {
            AssertClean(dissected[i], i);
            if (i < 16)
            {
                AssertUnderlay(dissected[i], frames[i], gpe: i is >= 11 and <= 13, v6: i is 10 or 12 or 15);
            }
        }

        var arp = dissected[0];
        Assert.Equal("eth:ethertype:ip:udp:vxlan:eth:ethertype:arp", arp.Protocols);
        Assert.Equal("ff:ff:ff:ff:ff:ff", arp.Inner("eth.dst"));
        Assert.Equal("1", arp.Single("arp.opcode"));
        Assert.Equal(VmMac, arp.Single("arp.src.hw_mac"));
        Assert.Equal("10.1.0.5", arp.Single("arp.src.proto_ipv4"));
        Assert.Equal("00:00:00:00:00:00", arp.Single("arp.dst.hw_mac"));
        Assert.Equal("10.1.0.9", arp.Single("arp.dst.proto_ipv4"));
        Assert.Empty(arp.Values("arp.isgratuitous"));

        var gratuitous = dissected[1];
        Assert.Equal("1", gratuitous.Single("arp.opcode"));
        Assert.Equal("1", gratuitous.Single("arp.isgratuitous"));
        Assert.Equal("10.1.0.5", gratuitous.Single("arp.src.proto_ipv4"));
        Assert.Equal("10.1.0.5", gratuitous.Single("arp.dst.proto_ipv4"));

        var gratuitousReply = dissected[2];
        Assert.Equal("2", gratuitousReply.Single("arp.opcode"));
        Assert.Equal("1", gratuitousReply.Single("arp.isgratuitous"));
        Assert.Equal(VmMac, gratuitousReply.Single("arp.dst.hw_mac"));

        var rarp = dissected[3];
        Assert.Equal("0x8035", rarp.Inner("eth.type"));
        Assert.Equal("3", rarp.Single("arp.opcode"));
        Assert.Equal(VmMac, rarp.Single("arp.src.hw_mac"));
        Assert.Equal(VmMac, rarp.Single("arp.dst.hw_mac"));
        Assert.Equal("0.0.0.0", rarp.Single("arp.src.proto_ipv4"));
        Assert.Equal("0.0.0.0", rarp.Single("arp.dst.proto_ipv4"));
        Assert.Equal("110", rarp.Single("frame.len")); // 50 bytes of underlay around the 60-byte announce

        var ns = dissected[4];
        Assert.Equal("eth:ethertype:ip:udp:vxlan:eth:ethertype:ipv6:icmpv6", ns.Protocols);
        Assert.Equal("33:33:ff:00:00:09", ns.Inner("eth.dst"));
        Assert.Equal("fd10::5:1234:5678", ns.Single("ipv6.src"));
        Assert.Equal("ff02::1:ff00:9", ns.Single("ipv6.dst"));
        Assert.Equal("255", ns.Single("ipv6.hlim"));
        Assert.Equal("135", ns.Single("icmpv6.type"));
        Assert.Equal("0", ns.Single("icmpv6.code"));
        Assert.Equal("fd10::9", ns.Single("icmpv6.nd.ns.target_address"));
        Assert.Equal("1", ns.Single("icmpv6.opt.type"));
        Assert.Equal(VmMac, ns.Single("icmpv6.opt.linkaddr"));

        var dad = dissected[5];
        Assert.Equal("::", dad.Single("ipv6.src"));
        Assert.Equal("ff02::1:ff00:9", dad.Single("ipv6.dst"));
        Assert.Equal("135", dad.Single("icmpv6.type"));
        Assert.Empty(dad.Values("icmpv6.opt.type"));

        var na = dissected[6];
        Assert.Equal("136", na.Single("icmpv6.type"));
        Assert.Equal(VmMac, na.Inner("eth.dst"));
        Assert.Equal("fd10::5:1234:5678", na.Single("ipv6.dst"));
        Assert.Equal("0", na.Single("icmpv6.nd.na.flag.r"));
        Assert.Equal("1", na.Single("icmpv6.nd.na.flag.s"));
        Assert.Equal("1", na.Single("icmpv6.nd.na.flag.o"));
        Assert.Equal("fd10::9", na.Single("icmpv6.nd.na.target_address"));
        Assert.Equal("2", na.Single("icmpv6.opt.type"));
        Assert.Equal(PeerMac, na.Single("icmpv6.opt.linkaddr"));

        var unsolicited = dissected[7];
        Assert.Equal("33:33:00:00:00:01", unsolicited.Inner("eth.dst"));
        Assert.Equal("ff02::1", unsolicited.Single("ipv6.dst"));
        Assert.Equal("255", unsolicited.Single("ipv6.hlim"));
        Assert.Equal("0", unsolicited.Single("icmpv6.nd.na.flag.s"));
        Assert.Equal("1", unsolicited.Single("icmpv6.nd.na.flag.o"));
        Assert.Equal("fd10::5:1234:5678", unsolicited.Single("icmpv6.nd.na.target_address"));
        Assert.Equal(VmMac, unsolicited.Single("icmpv6.opt.linkaddr"));

        var toSolicitedNode = dissected[8];
        Assert.Equal("33:33:ff:34:56:78", toSolicitedNode.Inner("eth.dst"));
        Assert.Equal("ff02::1:ff34:5678", toSolicitedNode.Single("ipv6.dst"));
        Assert.Equal("0", toSolicitedNode.Single("icmpv6.nd.na.flag.s"));
        Assert.Equal("1", toSolicitedNode.Single("icmpv6.nd.na.flag.o"));

        var unreachable = dissected[9];
        Assert.Equal("3", unreachable.Single("icmp.type"));
        Assert.Equal("1", unreachable.Single("icmp.code"));
        Assert.Equal(["192.0.2.10", "10.1.0.1", "10.1.0.5"], unreachable.Values("ip.src")); // underlay, gateway, quoted
        Assert.Equal("40001", unreachable.Inner("udp.dstport"));

        var unreachable6 = dissected[10];
        Assert.Equal(["2001:db8::a", "fd10::1", "fd10::5:1234:5678"], unreachable6.Values("ipv6.src"));
        Assert.Equal("1", unreachable6.Single("icmpv6.type"));
        Assert.Equal("3", unreachable6.Single("icmpv6.code"));

        var gpe4 = dissected[11];
        // tshark 4.0 dissects VXLAN-GPE (the vxlan.* fields are there) without naming it in frame.protocols.
        Assert.Equal("eth:ethertype:ip:udp:ip:udp:data", gpe4.Protocols);
        Assert.Equal("1", gpe4.Single("vxlan.next_proto"));
        Assert.Equal(["192.0.2.10", "10.1.0.5"], gpe4.Values("ip.src"));
        Assert.Equal(["4790", "40001"], gpe4.Values("udp.dstport"));

        var gpe6 = dissected[12];
        Assert.Equal("eth:ethertype:ipv6:udp:ipv6:udp:data", gpe6.Protocols);
        Assert.Equal("2", gpe6.Single("vxlan.next_proto"));
        Assert.Equal(["2001:db8::a", "fd10::5:1234:5678"], gpe6.Values("ipv6.src"));

        var gpeEthernet = dissected[13];
        Assert.Equal("eth:ethertype:ip:udp:eth:ethertype:ip:udp:data", gpeEthernet.Protocols);
        Assert.Equal("3", gpeEthernet.Single("vxlan.next_proto"));

        foreach (var syn in new[] { dissected[14], dissected[15] })
        {
            Assert.Equal("43210", syn.Single("tcp.srcport"));
            Assert.Equal("22", syn.Single("tcp.dstport"));
            Assert.Equal("287454020", syn.Single("tcp.seq_raw")); // 0x11223344
            Assert.Equal("1", syn.Single("tcp.flags.syn"));
            Assert.Equal("64240", syn.Single("tcp.window_size_value"));
            Assert.Equal("1460", syn.Single("tcp.options.mss_val"));
            Assert.Equal("7", syn.Single("tcp.options.wscale.shift"));
            Assert.Equal("04:02", syn.Single("tcp.options.sack_perm"));
            Assert.Equal("2695938256", syn.Single("tcp.options.timestamp.tsval")); // 0xA0B0C0D0
            Assert.Equal("0", syn.Single("tcp.options.timestamp.tsecr"));
            Assert.Equal(Good, syn.Single("tcp.checksum.status"));
        }

        foreach (var data in new[] { dissected[16], dissected[17] })
        {
            Assert.Equal(Good, data.Single("tcp.checksum.status"));
            Assert.Equal(tcpPayload.Length.ToString(CultureInfo.InvariantCulture), data.Single("tcp.len"));
            Assert.Equal("2000", data.Single("tcp.ack_raw"));
        }
        Assert.Equal(Good, dissected[16].Single("ip.checksum.status"));
        Assert.Equal("fd10::9", dissected[17].Single("ipv6.dst"));
    }

    [Fact]
    public async Task TimeExceededAndForwardedPackets_Tshark_ReadsThemWithGoodChecksums()
    {
        var forwarded = Frames.UdpFrame(v6: false);
        Assert.True(IpForwarding.TryDecrementHopLimit(forwarded.AsSpan(EthernetFrame.HeaderLength)));
        byte[][] frames = [Frames.TimeExceeded(v6: false), Frames.TimeExceeded(v6: true), forwarded];

        var dissected = await Tshark.DissectAsync(frames, TestContext.Current.CancellationToken);

        Assert.Equal(frames.Length, dissected.Count);
        for (int i = 0; i < frames.Length; i++)
        {
            AssertClean(dissected[i], i);
        }
        Assert.Equal("11", dissected[0].Single("icmp.type"));
        Assert.Equal("0", dissected[0].Single("icmp.code"));
        Assert.Equal(Good, dissected[0].Single("icmp.checksum.status"));
        Assert.Equal(["10.1.0.1", "10.1.0.5"], dissected[0].Values("ip.src")); // from the gateway, quoting the VM's packet
        Assert.Equal("3", dissected[1].Single("icmpv6.type"));
        Assert.Equal("0", dissected[1].Single("icmpv6.code"));
        Assert.Equal(Good, dissected[1].Single("icmpv6.checksum.status"));
        Assert.Equal("63", dissected[2].Single("ip.ttl"));
        Assert.Equal(Good, dissected[2].Single("ip.checksum.status"));
        Assert.Equal(Good, dissected[2].Single("udp.checksum.status"));
    }

    [Fact]
    public async Task CapturedPackets_Tshark_AllChecksumsGood()
    {
        // Confirms the hand-worked checksums in CapturedPackets (and the kernel's own). The first
        // status of a field is the packet's own; a datagram quoted in an ICMP error keeps the partial
        // checksum the kernel quoted, so it is not looked at.
        (byte[] Frame, string Transport)[] vectors =
        [
            (CapturedPackets.UdpV4, "udp.checksum.status"),
            (CapturedPackets.IcmpV4PortUnreachable, "icmp.checksum.status"),
            (CapturedPackets.UdpV6, "udp.checksum.status"),
            (CapturedPackets.IcmpV6PortUnreachable, "icmpv6.checksum.status"),
            (CapturedPackets.TcpV4Reset, "tcp.checksum.status"),
            (CapturedPackets.TcpV6Syn, "tcp.checksum.status"),
        ];

        var dissected = await Tshark.DissectAsync(vectors.Select(v => v.Frame), TestContext.Current.CancellationToken);

        Assert.Equal(vectors.Length, dissected.Count);
        for (int i = 0; i < vectors.Length; i++)
        {
            Assert.False(dissected[i].IsMalformed);
            Assert.Equal(Good, dissected[i].Values(vectors[i].Transport)[0]);
            if (vectors[i].Frame[12] == 0x08)
            {
                Assert.Equal(Good, dissected[i].Values("ip.checksum.status")[0]);
            }
        }
        Assert.Equal("65476", dissected[5].Single("tcp.options.mss_val"));
        Assert.Equal("10", dissected[5].Single("tcp.options.wscale.shift"));
    }

    [Fact]
    public async Task CorruptedInnerSegment_Tshark_ReportsBadChecksums()
    {
        // The negative control: the checks above could not pass if validation were off.
        var frame = Frames.Vxlan(Frames.TcpFrame(Frames.VmIPv4, Frames.PeerIPv4, 1, 2, 3, 4, TcpFlags.Ack, 5, [], "payload"u8));
        frame[^1] ^= 0x01;

        var dissected = Assert.Single(await Tshark.DissectAsync([frame], TestContext.Current.CancellationToken));

        // The outer UDP checksum covers the inner frame too.
        Assert.Equal("0", dissected.Single("udp.checksum.status"));
        Assert.Equal("0", dissected.Single("tcp.checksum.status"));
        Assert.Equal([Good, Good], dissected.Values("ip.checksum.status"));
        Assert.Contains(dissected.ExpertInfo(), e => e.Severity >= Tshark.SeverityError);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PcapWriter_EitherStampResolution_TsharkReadsTheTimes(bool nanoseconds)
    {
        var dissected = await Tshark.DissectAsync([Frames.ArpRequest(), Frames.ArpReply()], TestContext.Current.CancellationToken, nanoseconds);

        // DissectAsync stamps frames from 2025-11-27 12:00:00 UTC, 1 ms apart.
        Assert.Equal("1764244800.000000000", dissected[0].Single("frame.time_epoch"));
        Assert.Equal("1764244800.001000000", dissected[1].Single("frame.time_epoch"));
        Assert.Equal("60", dissected[1].Single("frame.len"));
        Assert.Equal("2", dissected[1].Single("arp.opcode"));
    }

    internal static void AssertClean(DissectedFrame frame, int index)
    {
        Assert.False(frame.IsMalformed, $"frame {index} is malformed: {frame.Protocols}");
        var errors = frame.ExpertInfo().Where(e => e.Severity >= Tshark.SeverityError).Select(e => e.Message).ToList();
        Assert.True(errors.Count == 0, $"frame {index}: {string.Join("; ", errors)}");
        var statuses = ChecksumStatuses.SelectMany(frame.Values).ToList();
        Assert.NotEmpty(statuses);
        Assert.All(statuses, status => Assert.Equal(Good, status));
    }

    private static void AssertUnderlay(DissectedFrame frame, byte[] bytes, bool gpe, bool v6)
    {
        Assert.True(UnderlayFrame.TryParse(bytes, out var underlay, out _));
        Assert.StartsWith((v6 ? "eth:ethertype:ipv6:udp:" : "eth:ethertype:ip:udp:") + (gpe ? "" : "vxlan:"), frame.Protocols, StringComparison.Ordinal);
        Assert.Equal("02:00:00:00:0b:01", frame.Values("eth.dst")[0]);
        Assert.Equal("02:00:00:00:0a:01", frame.Values("eth.src")[0]);
        Assert.Equal(v6 ? "2001:db8::a" : "192.0.2.10", frame.Values(v6 ? "ipv6.src" : "ip.src")[0]);
        Assert.Equal(v6 ? "2001:db8::b" : "192.0.2.20", frame.Values(v6 ? "ipv6.dst" : "ip.dst")[0]);
        if (!v6)
        {
            Assert.Equal("1", frame.Values("ip.flags.df")[0]);
        }
        Assert.Equal(gpe ? "4790" : "4789", frame.Values("udp.dstport")[0]);
        Assert.Equal(underlay.SourcePort.ToString(CultureInfo.InvariantCulture), frame.Values("udp.srcport")[0]);
        Assert.Equal(Vni, frame.Single("vxlan.vni"));
        if (gpe)
        {
            Assert.Equal("0", frame.Single("vxlan.ver"));
            Assert.Equal("1", frame.Single("vxlan.i_bit"));
            Assert.Equal("1", frame.Single("vxlan.p_bit"));
            Assert.Equal("0", frame.Single("vxlan.o_bit"));
        }
        else
        {
            Assert.Equal("1", frame.Single("vxlan.flag_i"));
            Assert.Equal("0", frame.Single("vxlan.flag_g"));
            Assert.Equal("0x0000", frame.Single("vxlan.flags_reserved"));
        }
    }
}
