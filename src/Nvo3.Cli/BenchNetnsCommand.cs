using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Lab;

namespace Nvo3.Cli;

/// <summary><c>nvo3 bench netns</c>: the kernel's VXLAN and Nvo3 on the same namespaces, in one run.</summary>
internal static class BenchNetnsCommand
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "How long each iperf3 measurement runs.", DefaultValueFactory = _ => 5 };
        var json = JsonOutput.Create("the figures and the ratios Nvo3 / kernel");
        var prefix = new Option<string>("--prefix") { Description = "Name prefix of the two topologies' namespaces.", DefaultValueFactory = _ => "n3b" };
        var command = new Command("netns", "Two servers and two VMs in namespaces, once over kernel vxlan devices and once over Nvo3 NVEs: TCP goodput, 64-byte packets per second and ping RTT, with Nvo3 / kernel (root; iperf3, ping).")
        {
            seconds, json, prefix,
        };
        command.Handle(async (p, ct) =>
        {
            if (!Environment.IsPrivilegedProcess)
            {
                throw new UnauthorizedAccessException("bench netns creates namespaces, veth, vxlan and TAP devices: run it as root.");
            }
            var duration = TimeSpan.FromSeconds(p.GetValue(seconds) is > 0 and var s ? s : throw new ArgumentException("--seconds must be above 0."));
            var result = await NetnsBenchmark.RunAsync(duration, p.GetValue(prefix)!, progress: Console.Error, cancellationToken: ct).ConfigureAwait(false);
            var table = new TextTable("DATA PLANE", "TCP GOODPUT", "UDP 64 B", "PING RTT");
            table.Add("kernel vxlan", Gbps(result.Kernel.TcpGoodputBps), Pps(result.Kernel.SmallPacketsPerSecond), Ms(result.Kernel.PingRttMs));
            table.Add("nvo3 (TAP)", Gbps(result.Nvo3.TcpGoodputBps), Pps(result.Nvo3.SmallPacketsPerSecond), Ms(result.Nvo3.PingRttMs));
            table.Add("nvo3 / kernel", Ratio(result.TcpRatio), Ratio(result.PpsRatio), Ratio(result.RttRatio));
            if (!JsonOutput.ToStdout(p, json))
            {
                Console.Write(table);
            }
            await JsonOutput.WriteAsync(p, json, () => new JsonObject
            {
                ["seconds"] = result.Seconds,
                ["kernel"] = Figures(result.Kernel),
                ["nvo3"] = Figures(result.Nvo3),
                ["ratios"] = new JsonObject
                {
                    ["tcpGoodput"] = Math.Round(result.TcpRatio, 4),
                    ["smallPacketsPerSecond"] = Math.Round(result.PpsRatio, 4),
                    ["pingRtt"] = Math.Round(result.RttRatio, 4),
                },
            }, ct).ConfigureAwait(false);
            return Cli.Ok;
        });
        return command;
    }

    private static JsonObject Figures(NetnsFigures f) => new()
    {
        ["tcpGoodputBitsPerSecond"] = Math.Round(f.TcpGoodputBps),
        ["smallPacketsPerSecond"] = Math.Round(f.SmallPacketsPerSecond),
        ["smallPacketLoss"] = Math.Round(f.SmallPacketLoss, 4),
        ["pingRttMs"] = Math.Round(f.PingRttMs, 3),
    };

    private static string Gbps(double bps) => string.Create(CultureInfo.InvariantCulture, $"{bps / 1e9:0.000} Gbit/s");

    private static string Pps(double pps) => string.Create(CultureInfo.InvariantCulture, $"{pps:N0} pps");

    private static string Ms(double ms) => string.Create(CultureInfo.InvariantCulture, $"{ms:0.000} ms");

    private static string Ratio(double r) => string.Create(CultureInfo.InvariantCulture, $"{r:0.00}x");
}
