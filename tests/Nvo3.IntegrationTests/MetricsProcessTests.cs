using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;
using Nvo3.Tests;

namespace Nvo3.IntegrationTests;

/// <summary>
/// <c>--metrics-listen</c> on real daemons: an <c>nvo3 nva serve</c> and two <c>nvo3 nve run</c>
/// processes scraped over HTTP before and after <c>nvo3 migrate</c> moves a VM between them.
/// </summary>
public sealed class MetricsProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task NvaAndNves_MetricsListen_ScrapesFollowAMoveBetweenProcesses()
    {
        var ct = TestContext.Current.CancellationToken;
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Timeout, "--metrics-listen", "127.0.0.1:0");
        using (nva)
        {
            string nvaArg = $"{address.Host}:{address.Port}";
            var nvaMetrics = await MetricsUrlAsync(nva);
            using var client = new NvaClient(address);
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromMilliseconds(500)), ct);
            byte net = (byte)Random.Shared.Next(10, 250);
            using var a = Nvo3Process.Start("nve", "run", "--nva", nvaArg, "--name", "a", "--underlay", $"127.0.{net}.1", "--agent-listen", $"127.0.{net}.1:0",
                "--vm", "vm1=100/02:00:00:00:00:11/10.0.0.11", "--vm-memory-mib", "8", "--vm-disk-mib", "2", "--metrics-listen", "127.0.0.1:0");
            using var b = Nvo3Process.Start("nve", "run", "--nva", nvaArg, "--name", "b", "--underlay", $"127.0.{net}.2", "--agent-listen", $"127.0.{net}.2:0",
                "--metrics-listen", "127.0.0.1:0");
            await a.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Timeout, "a to run");
            await b.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Timeout, "b to run");
            var aMetrics = await MetricsUrlAsync(a);
            var bMetrics = await MetricsUrlAsync(b);
            using var http = new HttpClient { Timeout = Timeout };
            var nvaBefore = PrometheusScrape.Parse(await http.GetStringAsync(nvaMetrics, ct));
            var aBefore = PrometheusScrape.Parse(await http.GetStringAsync(aMetrics, ct));
            var bBefore = PrometheusScrape.Parse(await http.GetStringAsync(bMetrics, ct));

            using var move = await Nvo3Process.RunAsync(Timeout, "migrate", "vm1", "--to", "b", "--mode", "hot", "--nva", nvaArg);
            Assert.True(move.ExitCode == 0, move.Describe());

            var nvaAfter = PrometheusScrape.Parse(await http.GetStringAsync(nvaMetrics, ct));
            var aAfter = PrometheusScrape.Parse(await http.GetStringAsync(aMetrics, ct));
            var bAfter = PrometheusScrape.Parse(await http.GetStringAsync(bMetrics, ct));
            // The move ran in a's process (its agent drives it): counted there, with its state sent from there.
            var hot = ("mode", "hot");
            var completed = ("outcome", "completed");
            Assert.Equal(0, aBefore.Sum("nvo3_moves_total"));
            Assert.Equal(1, aAfter.Sum("nvo3_moves_total", hot, completed, ("kind", "emulated")));
            Assert.Equal(1, aAfter.Sum("nvo3_move_downtime_duration_seconds_count", hot));
            Assert.Equal(1, aAfter.Sum("nvo3_migration_transfers_total", hot, completed));
            Assert.True(aAfter.Sum("nvo3_migration_bytes_total", hot, ("part", "memory")) >= 8L << 20);
            // b activated the VM; every series of a process is its own NVE's.
            Assert.True(bAfter.Sum("nvo3_nve_activations_total", ("nve", "b")) > bBefore.Sum("nvo3_nve_activations_total", ("nve", "b")));
            Assert.Equal(1, bAfter.Sum("nvo3_nve_ports", ("nve", "b"), ("state", "active")));
            Assert.All(bAfter.Samples.Where(s => s.Name.StartsWith("nvo3_nve_", StringComparison.Ordinal)), s => Assert.Equal("b", s.Labels["nve"]));
            // The NVA recorded the move: its directory revision moved on, and both NVEs' views follow it.
            Assert.True(nvaAfter.Sum("nvo3_nva_revision") > nvaBefore.Sum("nvo3_nva_revision"));
            Assert.Equal(1, aAfter.Sum("nvo3_nve_watch_connected", ("nve", "a")));
        }
    }

    private static async Task<Uri> MetricsUrlAsync(Nvo3Process process)
    {
        const string Marker = "metrics at ";
        string line = await process.WaitForLineAsync(l => l.Contains(Marker, StringComparison.Ordinal), Timeout, "its \"metrics at\" line");
        return new Uri(line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Trim());
    }
}
