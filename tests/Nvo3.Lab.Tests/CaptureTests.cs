using Nvo3.Lab;
using Nvo3.Testing;

namespace Nvo3.Lab.Tests;

/// <summary>On the wire: every underlay packet of a demo decodes as VXLAN, and the packets in flight go from the old NVE to the new one.</summary>
public class CaptureTests
{
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
            long oldToNew = frames.Count(f => f.Values("ip.src")[0] == oldNve && f.Values("ip.dst")[0] == newNve && f.Inner("eth.dst") == "02:00:00:00:01:01");
            Assert.Equal(report.ForwardedInFlight, oldToNew);
            Assert.True(oldToNew > 0);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
