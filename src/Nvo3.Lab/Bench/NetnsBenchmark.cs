using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nvo3.Lab.Netns;

namespace Nvo3.Lab;

/// <summary>What one topology achieved between its two VMs.</summary>
/// <param name="TcpGoodputBps">TCP goodput, one iperf3 stream (bits per second received).</param>
/// <param name="SmallPacketsPerSecond">64-byte UDP payloads received per second (iperf3 -u -l 64, unlimited rate).</param>
/// <param name="SmallPacketLoss">The share of those datagrams lost.</param>
/// <param name="PingRttMs">The mean ping round trip.</param>
public sealed record NetnsFigures(double TcpGoodputBps, double SmallPacketsPerSecond, double SmallPacketLoss, double PingRttMs);

/// <summary>Kernel VXLAN and Nvo3 measured on the same topology in one run, and Nvo3 / kernel.</summary>
/// <param name="Kernel">The kernel's vxlan devices.</param>
/// <param name="Nvo3">Nvo3's NVE processes with TAP ports.</param>
/// <param name="Seconds">How long each iperf3 measurement ran.</param>
public sealed record NetnsComparison(NetnsFigures Kernel, NetnsFigures Nvo3, double Seconds)
{
    /// <summary>Nvo3's TCP goodput over the kernel's.</summary>
    public double TcpRatio => Nvo3.TcpGoodputBps / Kernel.TcpGoodputBps;

    /// <summary>Nvo3's small-packet rate over the kernel's.</summary>
    public double PpsRatio => Nvo3.SmallPacketsPerSecond / Kernel.SmallPacketsPerSecond;

    /// <summary>Nvo3's ping RTT over the kernel's (above 1: slower).</summary>
    public double RttRatio => Nvo3.PingRttMs / Kernel.PingRttMs;
}

/// <summary>
/// <c>nvo3 bench netns</c>: builds the same two-server topology twice, once with the kernel's vxlan
/// devices and once with Nvo3 NVEs (the netns lab), and measures between the two VMs TCP goodput
/// (iperf3), 64-byte UDP packets per second (iperf3 -u -l 64 -b 0) and ping RTT. Root, Linux, iperf3
/// and ping. Each topology is removed when it has been measured, also on failure.
/// </summary>
public static partial class NetnsBenchmark
{
    /// <summary>Runs both and returns the comparison.</summary>
    public static async Task<NetnsComparison> RunAsync(TimeSpan duration, string prefix = "n3b", IReadOnlyList<string>? nvo3 = null,
        TextWriter? progress = null, CancellationToken cancellationToken = default)
    {
        progress ??= TextWriter.Null;
        NetnsFigures kernel, nvo3Figures;
        string kernelPrefix = prefix + "k", nvo3Prefix = prefix + "n";
        NetnsLab.Down(kernelPrefix);
        NetnsLab.Down(nvo3Prefix);
        try
        {
            progress.WriteLine("kernel VXLAN: building ...");
            var (vm1, _) = KernelVxlanTopology.Up(kernelPrefix);
            kernel = await MeasureAsync(vm1, $"{kernelPrefix}-vm2", duration, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            NetnsLab.Down(kernelPrefix);
        }
        string state = Path.Combine(Path.GetTempPath(), "nvo3-bench-" + nvo3Prefix);
        try
        {
            progress.WriteLine("Nvo3: building ...");
            using var lab = await NetnsLab.UpAsync(new NetnsLabOptions { Prefix = nvo3Prefix, StateDirectory = state, Hosts = 2, Vms = 2, Nvo3Command = nvo3 },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            nvo3Figures = await MeasureAsync(lab.Vm("vm1").Netns, lab.Vm("vm2").Netns, duration, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            NetnsLab.Down(nvo3Prefix, state);
        }
        return new NetnsComparison(kernel, nvo3Figures, duration.TotalSeconds);
    }

    private static async Task<NetnsFigures> MeasureAsync(string client, string server, TimeSpan duration, TextWriter progress, CancellationToken cancellationToken)
    {
        string target = NetnsLab.VmIpv4(2);
        // Warm-up: ARP/ND resolved, the NVEs' caches filled, the JIT done.
        HostCommand.TryRun("ip", "netns", "exec", client, "ping", "-c", "3", "-i", "0.2", "-W", "2", target);
        double rtt = PingRtt(client, target);
        progress.WriteLine($"  ping RTT {rtt:0.000} ms");
        using var json1 = await IperfAsync(client, server, target, duration, [], cancellationToken).ConfigureAwait(false);
        double tcp = json1.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
        progress.WriteLine($"  TCP {tcp / 1e9:0.000} Gbit/s");
        using var json2 = await IperfAsync(client, server, target, duration, ["-u", "-l", "64", "-b", "0"], cancellationToken).ConfigureAwait(false);
        var sum = json2.RootElement.GetProperty("end").GetProperty("sum");
        double packets = sum.GetProperty("packets").GetDouble(), lost = sum.GetProperty("lost_packets").GetDouble(), seconds = sum.GetProperty("seconds").GetDouble();
        double pps = (packets - lost) / seconds;
        progress.WriteLine($"  UDP 64 B {pps:N0} packets/s received ({lost / Math.Max(1, packets):P1} lost)");
        return new NetnsFigures(tcp, pps, lost / Math.Max(1, packets), rtt);
    }

    private static double PingRtt(string netns, string target)
    {
        var result = HostCommand.TryRun("ip", "netns", "exec", netns, "ping", "-n", "-q", "-c", "50", "-i", "0.02", "-W", "2", target);
        var match = Rtt().Match(result.Stdout);
        return match.Success
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new IOException($"ping from {netns} gave no RTT: {result.Stdout} {result.Stderr}");
    }

    private static async Task<JsonDocument> IperfAsync(string client, string server, string target, TimeSpan duration, string[] extra, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "netns", "exec", server, "iperf3", "-s", "-1", "-B", target, "-p", "5201" })
        {
            start.ArgumentList.Add(a);
        }
        using var iperfServer = Process.Start(start) ?? throw new IOException("iperf3 -s did not start.");
        try
        {
            string seconds = duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            HostCommand.Result result = default;
            for (int attempt = 0; attempt < 20; attempt++)
            {
                // The server may need a moment to listen; a refused connection is retried.
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                result = HostCommand.TryRun("ip", ["netns", "exec", client, "iperf3", "-c", target, "-p", "5201", "-t", seconds, "-J", .. extra], null);
                if (result.Ok || !result.Stdout.Contains("Connection refused", StringComparison.Ordinal))
                {
                    break;
                }
            }
            if (!result.Ok)
            {
                throw new IOException($"iperf3 from {client} to {target} failed: {result.Stdout} {result.Stderr}");
            }
            return JsonDocument.Parse(result.Stdout);
        }
        finally
        {
            if (!iperfServer.HasExited)
            {
                iperfServer.Kill();
                await iperfServer.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    [GeneratedRegex(@"rtt min/avg/max/mdev = [\d.]+/([\d.]+)/")]
    private static partial Regex Rtt();
}
