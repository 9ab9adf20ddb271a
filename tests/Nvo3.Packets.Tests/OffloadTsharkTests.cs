using System.Globalization;
using Nvo3.Testing;
using static Nvo3.Packets.Tests.OffloadFrames;

namespace Nvo3.Packets.Tests;

/// <summary>
/// Wireshark reads what the offload code writes: the segments of super-frames in VXLAN and
/// VXLAN-GPE datagrams as the NVE sends them, and the PMTU errors it answers a VM with, every
/// checksum validated and Good.
/// </summary>
public class OffloadTsharkTests
{
    private const string Good = "1";

    [Fact]
    public async Task Segments_InVxlanAndGpeDatagrams_TsharkFindsEveryChecksumGood()
    {
        var flow4 = Sample(v6: false, TcpFlags.Ack | TcpFlags.Psh);
        var flow6 = Sample(v6: true, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin);
        var cases = new (Flow Flow, int Length, int Mss, bool Gpe)[]
        {
            (flow4, 65535 - 52, 1448, false), // the largest IPv4 super-frame: 46 segments, the last short
            (flow6, 30_000, 1428, false),
            (flow4, 10_000, 1460, true),      // VXLAN-GPE carries the IP packet without its Ethernet header
            (flow6, 10_000, 1440, true),
        };
        var frames = new List<byte[]>();
        var expected = new List<(Flow Flow, int Index, int Count, int Mss, int PayloadLength, bool Gpe)>();
        foreach (var (flow, length, mss, gpe) in cases)
        {
            var (superFrame, header) = SuperFrame(flow, Payload(length, mss), mss);
            var prefix = new byte[VxlanHeader.Length];
            if (gpe)
            {
                VxlanGpeHeader.Write(prefix, Frames.Vni, flow.V6 ? GpeNextProtocol.IPv6 : GpeNextProtocol.IPv4);
            }
            else
            {
                VxlanHeader.Write(prefix, Frames.Vni);
            }
            var output = new byte[OutputLength(flow, length, mss, prefix.Length)];
            Assert.True(TcpSegmenter.TrySegment(superFrame, header, output, prefix, keepLinkHeader: !gpe, out var result, out _));
            for (int i = 0; i < result.Count; i++)
            {
                // What the kernel puts around each datagram that one sendmsg with UDP_SEGMENT sends.
                var datagram = output.AsSpan(result.Offset(i), result.DatagramLength(i));
                var underlay = new byte[datagram.Length + 100];
                int n = UnderlayFrame.Write(underlay, Frames.NveMacB, Frames.NveMacA, Frames.UnderlayA4, Frames.UnderlayB4, 50000,
                    gpe ? VxlanGpeHeader.UdpPort : VxlanHeader.UdpPort, datagram);
                frames.Add(underlay[..n]);
                expected.Add((flow, i, result.Count, mss, i == result.Count - 1 ? length - (i * mss) : mss, gpe));
            }
        }

        var dissected = await Tshark.DissectAsync(frames, TestContext.Current.CancellationToken);

        Assert.Equal(frames.Count, dissected.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            var frame = dissected[i];
            var (flow, index, count, mss, payloadLength, gpe) = expected[i];
            TsharkTests.AssertClean(frame, i); // every checksum status Good, nothing malformed, no expert error
            Assert.Equal(Good, frame.Inner("tcp.checksum.status"));
            Assert.Equal(Good, frame.Values("udp.checksum.status")[0]);
            Assert.Equal(payloadLength.ToString(CultureInfo.InvariantCulture), frame.Single("tcp.len"));
            Assert.Equal((flow.Sequence + (uint)(index * mss)).ToString(CultureInfo.InvariantCulture), frame.Single("tcp.seq_raw"));
            bool last = index == count - 1;
            Assert.Equal(last ? "1" : "0", frame.Single("tcp.flags.push"));
            Assert.Equal(last && flow.Flags.HasFlag(TcpFlags.Fin) ? "1" : "0", frame.Single("tcp.flags.fin"));
            Assert.Equal(flow.V6 ? "fd10::9" : "10.1.0.9", frame.Inner(flow.V6 ? "ipv6.dst" : "ip.dst"));
            if (!flow.V6)
            {
                Assert.Equal([Good, Good], frame.Values("ip.checksum.status"));
                Assert.Equal((ushort)(flow.Id + index), Convert.ToUInt16(frame.Inner("ip.id"), 16));
            }
            Assert.Equal(gpe ? "4790" : "4789", frame.Values("udp.dstport")[0]);
            Assert.Equal(gpe ? 1 : 2, frame.Values("eth.src").Count);
        }
    }

    [Fact]
    public async Task PmtuErrors_Tshark_ReadsTheMtuAndQuoteWithGoodChecksums()
    {
        var big4 = Segment(Sample(v6: false), Payload(1448, 1), 1, TcpFlags.Ack, 7)[EthernetFrame.HeaderLength..];
        var big6 = Segment(Sample(v6: true), Payload(1428, 2), 1, TcpFlags.Ack, 0)[EthernetFrame.HeaderLength..];
        var fragNeeded = new byte[700];
        int n4 = IcmpV4Writer.WriteFragmentationNeededFrame(fragNeeded, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv4, 1450, big4);
        var tooBig = new byte[1400];
        int n6 = IcmpV6Writer.WritePacketTooBigFrame(tooBig, Frames.VmMac, Frames.GatewayMac, Frames.GatewayIPv6, 1430, big6);

        var dissected = await Tshark.DissectAsync([fragNeeded[..n4], tooBig[..n6]], TestContext.Current.CancellationToken);

        var v4 = dissected[0];
        Assert.Equal("3", v4.Single("icmp.type"));
        Assert.Equal("4", v4.Single("icmp.code"));
        Assert.Equal("1450", v4.Single("icmp.mtu"));
        Assert.Equal(Good, v4.Single("icmp.checksum.status"));
        Assert.Equal(Good, v4.Values("ip.checksum.status")[0]);
        Assert.Equal(["10.1.0.1", "10.1.0.5"], v4.Values("ip.src")); // from the gateway, quoting the VM's packet
        Assert.Equal("10.1.0.5", v4.Values("ip.dst")[0]);
        Assert.Equal((14 + 20 + 8 + IcmpV4Writer.MaxQuote).ToString(CultureInfo.InvariantCulture), v4.Single("frame.len"));

        var v6 = dissected[1];
        Assert.Equal("2", v6.Single("icmpv6.type"));
        Assert.Equal("0", v6.Single("icmpv6.code"));
        Assert.Equal("1430", v6.Single("icmpv6.mtu"));
        Assert.Equal(Good, v6.Single("icmpv6.checksum.status"));
        Assert.Equal(["fd10::1", "fd10::5:1234:5678"], v6.Values("ipv6.src"));
        Assert.Equal("1294", v6.Single("frame.len")); // 14 + 1280: the quote stops at the IPv6 minimum MTU
    }
}
