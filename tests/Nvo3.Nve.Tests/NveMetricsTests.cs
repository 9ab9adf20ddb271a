using System.Globalization;
using System.Text.RegularExpressions;
using Nvo3.Hosting.Metrics;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>
/// The NVE's instruments read its counters: probes between two NVEs on the in-memory underlay,
/// then a scrape of the Nvo3.Nve meters shows each NVE's packets and bytes per direction under its
/// own <c>nve</c> tag, equal to its counters, and the series leave when the NVE stops.
/// </summary>
public sealed partial class NveMetricsTests
{
    [Fact]
    public async Task Scrape_ProbesBetweenTwoNves_PacketsAndBytesPerDirectionUnderEachNvesName()
    {
        using var collector = new PrometheusCollector(NveMetrics.MeterName);
        // Other tests in this process run NVEs named a and b: these names are this test's own.
        string tag = Guid.NewGuid().ToString("N")[..8];
        var h = await EdgeHarness.StartAsync();
        try
        {
            var a = await h.AddEdgeAsync("a-" + tag, 1);
            var b = await h.AddEdgeAsync("b-" + tag, 2);
            var vm = await h.AddVmAsync(1, b);
            var sender = await h.AddVmAsync(2, a);
            const int Probes = 20;
            int frameLength = UdpWriter.WriteFrame(new byte[256], vm.Mac, sender.Mac, sender.IPv4, vm.IPv4, 5000, 5000, new byte[8]);
            var before = (FromTenants: a.Counters.FromTenantBytes, ToUnderlay: a.Counters.EncapsulatedBytes, FromUnderlay: b.Counters.DecapsulatedBytes, ToTenants: b.Counters.ToTenantBytes);
            for (int i = 0; i < Probes; i++)
            {
                sender.SendProbe(vm.Mac, vm.IPv4, i);
            }
            // Every probe is the same frame: its bytes once per probe in each direction it took (the tunnel's headers not counted).
            long probeBytes = Probes * (long)frameLength;
            // The port takes a frame before its delivery is counted: wait for both.
            await EdgeHarness.WaitAsync(() => vm.Probes().Count == Probes && b.Counters.ToTenantBytes - before.ToTenants >= probeBytes, "the probes at the VM");
            Assert.Equal(probeBytes, a.Counters.FromTenantBytes - before.FromTenants);
            Assert.Equal(probeBytes, a.Counters.EncapsulatedBytes - before.ToUnderlay);
            Assert.Equal(probeBytes, b.Counters.DecapsulatedBytes - before.FromUnderlay);
            Assert.Equal(probeBytes, b.Counters.ToTenantBytes - before.ToTenants);

            // The scrape reads the same counters, each under its NVE's name.
            string text = collector.Scrape();
            Assert.Equal(a.Counters.FromTenants, Sample(text, "nvo3_nve_packets_total", a.Name, "from_tenants"));
            Assert.Equal(a.Counters.Encapsulated, Sample(text, "nvo3_nve_packets_total", a.Name, "to_underlay"));
            Assert.Equal(b.Counters.Decapsulated, Sample(text, "nvo3_nve_packets_total", b.Name, "from_underlay"));
            Assert.Equal(b.Counters.ToTenants, Sample(text, "nvo3_nve_packets_total", b.Name, "to_tenants"));
            Assert.Equal(a.Counters.FromTenantBytes, Sample(text, "nvo3_nve_bytes_total", a.Name, "from_tenants"));
            Assert.Equal(a.Counters.EncapsulatedBytes, Sample(text, "nvo3_nve_bytes_total", a.Name, "to_underlay"));
            Assert.Equal(b.Counters.DecapsulatedBytes, Sample(text, "nvo3_nve_bytes_total", b.Name, "from_underlay"));
            Assert.Equal(b.Counters.ToTenantBytes, Sample(text, "nvo3_nve_bytes_total", b.Name, "to_tenants"));
            Assert.True(b.Counters.ToTenants >= Probes);
        }
        finally
        {
            await h.DisposeAsync();
        }

        Assert.DoesNotContain(tag, collector.Scrape(), StringComparison.Ordinal); // stopped NVEs leave the scrape
    }

    private static double Sample(string text, string metric, string nve, string direction)
    {
        var match = Regex.Match(text, $"^{metric}{{direction=\"{direction}\",nve=\"{nve}\"}} (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no {metric} for {nve} {direction} in:\n{text}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
