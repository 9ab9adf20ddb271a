using Nvo3.Lab;
using Nvo3.Testing;

namespace Nvo3.Lab.Tests;

/// <summary>On the wire: every underlay packet of a demo decodes as VXLAN, and the packets in flight go from the old NVE to the new one.</summary>
[Collection(ProbeCollection.Name)]
public class CaptureTests
{
    [Fact]
    public async Task IlaCapture_InnerDestinationCarriesEachNvesLocator_AndChecksumsStayValid()
    {
        Tshark.SkipUnlessInstalled();
        string path = Path.Combine(Path.GetTempPath(), $"nvo3-ila-{Guid.NewGuid():N}.pcap");
        try
        {
            ScenarioReport report;
            using (var capture = new UnderlayCapture(path))
            {
                report = await new ScenarioRunner(new DemoOptions { Capture = capture }).RunAsync(ScenarioSpec.Find("l3-ipv6-ila-hot")!, TestContext.Current.CancellationToken);
            }

            var frames = await Tshark.DissectFileAsync(path, TestContext.Current.CancellationToken);

            Assert.Empty(RawProbes.Of(report).Lost); // the raw probe log, not only the lab's verdict
            Assert.True(report.Passed, report.Notes);
            var toWorkload = frames.Where(f => f.Values("ipv6.src").LastOrDefault() == "fd00:100::30").ToList();
            Assert.True(toWorkload.Count >= report.Probe.Sent, $"{toWorkload.Count} packets for {report.Probe.Sent} probes");
            Assert.All(toWorkload, f =>
            {
                // tshark 4.0 leaves VXLAN-GPE out of frame.protocols but dissects its fields. The
                // probes are UDP; the pings before them (which resolve the path) are echo requests.
                if (f.Values("icmpv6.type").Count == 0)
                {
                    Assert.Equal("eth:ethertype:ip:udp:ipv6:udp:data", f.Protocols); // no inner Ethernet
                }
                else
                {
                    Assert.Equal("eth:ethertype:ip:udp:ipv6:icmpv6:data", f.Protocols);
                    Assert.Equal("128", f.Single("icmpv6.type"));
                    Assert.Equal("1", f.Single("icmpv6.checksum.status"));
                }
                Assert.Equal("2", f.Single("vxlan.next_proto")); // IPv6
                Assert.Equal("4790", f.Values("udp.dstport")[0]);
                Assert.False(f.IsMalformed);
                Assert.All(f.Values("udp.checksum.status"), status => Assert.Equal("1", status)); // outer and inner good
            });
            var destinations = toWorkload.Select(f => System.Net.IPAddress.Parse(f.Single("ipv6.dst")).GetAddressBytes()).ToList();
            var locators = destinations.Select(d => Convert.ToHexString(d, 0, 8)).Distinct().ToList();
            string locatorA = Convert.ToHexString(BitConverter.GetBytes(InProcessLab.LocatorFor(1)).Reverse().ToArray());
            string locatorB = Convert.ToHexString(BitConverter.GetBytes(InProcessLab.LocatorFor(2)).Reverse().ToArray());
            Assert.Equal([locatorA, locatorB], locators.Order()); // the old NVE's locator, then the new one's
            // One identifier throughout: each ILA address maps back to the workload's SIR address
            // (the low 16 bits carry each locator's checksum-neutral adjustment, and the C-bit is set).
            var sir = Packets.IpAddr.Parse("fd00:100::10");
            Assert.All(destinations, d =>
            {
                var ila = Packets.IpAddr.ReadV6(d);
                ulong locator = (ulong)(ila.V6Value >> 64);
                Assert.True(Packets.IlaTranslation.HasChecksumNeutralBit(ila));
                Assert.True(new Packets.IlaTranslation(0xFD00_0100_0000_0000UL, locator).TryToSir(ila, out var back, out _));
                Assert.Equal(sir, back);
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Layer3Ipv4Capture_EveryPacketIsGpeWithIpv4Inside_AndTheUnreachablesTravelToo()
    {
        Tshark.SkipUnlessInstalled();
        string path = Path.Combine(Path.GetTempPath(), $"nvo3-l3v4-{Guid.NewGuid():N}.pcap");
        try
        {
            ScenarioReport report;
            using (var capture = new UnderlayCapture(path))
            {
                report = await new ScenarioRunner(new DemoOptions { Capture = capture }).RunAsync(ScenarioSpec.Find("l3-ipv4-task-cold")!, TestContext.Current.CancellationToken);
            }

            var frames = await Tshark.DissectFileAsync(path, TestContext.Current.CancellationToken);

            Assert.True(report.Passed, report.Notes);
            Assert.NotEmpty(frames);
            Assert.All(frames, f =>
            {
                Assert.Equal("4790", f.Values("udp.dstport")[0]); // a Layer-3 network: GPE only
                Assert.Equal("1", f.Single("vxlan.next_proto"));   // IPv4
                Assert.StartsWith("eth:ethertype:ip:udp:ip:", f.Protocols, StringComparison.Ordinal); // no inner Ethernet
                Assert.False(f.IsMalformed);
            });
            // The old place's destination unreachables, from the anycast gateway back to the correspondent.
            long unreachables = frames.Count(f => f.Values("icmp.type").Contains("3") && f.Values("ip.src")[1] == "10.0.0.1");
            Assert.Equal(report.Unreachables, unreachables);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task DemoCapture_EveryPacketIsVxlan_AndForwardedPacketsGoOldToNew()
    {
        Tshark.SkipUnlessInstalled();
        string path = Path.Combine(Path.GetTempPath(), $"nvo3-demo-{Guid.NewGuid():N}.pcap");
        try
        {
            ScenarioReport report;
            using (var capture = new UnderlayCapture(path))
            {
                report = await new ScenarioRunner(new DemoOptions { Capture = capture }).RunAsync(ScenarioSpec.Find("l2-ipv4-hot")!, TestContext.Current.CancellationToken);
            }

            var frames = await Tshark.DissectFileAsync(path, TestContext.Current.CancellationToken);

            Assert.Empty(RawProbes.Of(report).Lost); // the raw probe log, not only the lab's verdict
            Assert.True(report.Passed, report.Notes);
            Assert.True(frames.Count > report.Probe.Sent, $"{frames.Count} frames for {report.Probe.Sent} probes");
            Assert.All(frames, f =>
            {
                Assert.Contains(":udp:vxlan:eth:", f.Protocols, StringComparison.Ordinal);
                Assert.Equal("100", f.Single("vxlan.vni"));
                Assert.False(f.IsMalformed);
                Assert.Equal("1", f.Values("udp.checksum.status")[0]); // outer UDP checksum good (1 = PROTO_CHECKSUM_E_GOOD)
            });
            string oldNve = report.NveUnderlay["a"], newNve = report.NveUnderlay["b"];
            long oldToNew = frames.Count(f => f.Values("ip.src")[0] == oldNve && f.Values("ip.dst")[0] == newNve && f.Inner("eth.dst") == ScenarioRunner.WorkloadMac.ToString());
            Assert.Equal(report.ForwardedInFlight, oldToNew);
            Assert.True(oldToNew > 0);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
