using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Lab;

namespace Nvo3.Cli;

/// <summary><c>nvo3 bench l3</c>: the same traffic in a Layer-2 and a Layer-3 network, side by side.</summary>
internal static class BenchL3Command
{
    public static Command Create()
    {
        var sizes = Cli.ListOption("--sizes", "Tenant frame sizes in bytes", [64, 512, 1400], Cli.ParseInt);
        var seconds = new Option<double>("--seconds") { Description = "How long each size is measured in each network.", DefaultValueFactory = _ => 2 };
        var json = JsonOutput.Create("the figures");
        var command = new Command("l3", "The same UDP traffic between two NVEs in an L2 network (VXLAN, inner Ethernet) and an L3 one (VXLAN-GPE, no inner Ethernet): bytes per packet on the wire and packets per second, with the ratios L3 / L2.")
        {
            sizes, seconds, json,
        };
        command.Handle(async (p, ct) =>
        {
            var frameSizes = p.GetValue(sizes)!;
            if (frameSizes.Any(s => s < 60 || s > 9000) || p.GetValue(seconds) <= 0)
            {
                throw new ArgumentException("--sizes must be between 60 and 9000 bytes and --seconds above 0.");
            }
            var duration = TimeSpan.FromSeconds(p.GetValue(seconds));
            Console.Error.WriteLine("measuring the L2 network ...");
            var l2 = await DataplaneBenchmark.RunAsync(frameSizes, duration, layer3: false, ct).ConfigureAwait(false);
            Console.Error.WriteLine("measuring the L3 network ...");
            var l3 = await DataplaneBenchmark.RunAsync(frameSizes, duration, layer3: true, ct).ConfigureAwait(false);
            var table = new TextTable("FRAME", "L2 BYTES/PKT", "L3 BYTES/PKT", "SAVED", "L2 PACKETS/S", "L3 PACKETS/S", "L3/L2 RATE");
            var rows = new JsonArray();
            for (int i = 0; i < frameSizes.Length; i++)
            {
                var (a, b) = (l2[i], l3[i]);
                table.Add($"{a.FrameBytes} B", $"{a.WireBytesPerPacket:0}", $"{b.WireBytesPerPacket:0}",
                    $"{a.WireBytesPerPacket - b.WireBytesPerPacket:0} B ({100 * (1 - b.WireBytesPerPacket / a.WireBytesPerPacket):0.0} %)",
                    $"{a.PacketsPerSecond:N0}", $"{b.PacketsPerSecond:N0}", (b.PacketsPerSecond / a.PacketsPerSecond).ToString("0.00", CultureInfo.InvariantCulture));
                rows.Add(new JsonObject
                {
                    ["frameBytes"] = a.FrameBytes,
                    ["l2WireBytesPerPacket"] = a.WireBytesPerPacket,
                    ["l3WireBytesPerPacket"] = b.WireBytesPerPacket,
                    ["l2PacketsPerSecond"] = a.PacketsPerSecond,
                    ["l3PacketsPerSecond"] = b.PacketsPerSecond,
                    ["l2Lost"] = a.Sent - a.Received,
                    ["l3Lost"] = b.Sent - b.Received,
                    ["rateRatio"] = b.PacketsPerSecond / a.PacketsPerSecond,
                });
            }
            if (!JsonOutput.ToStdout(p, json))
            {
                Console.Write(table);
                Console.WriteLine("Bytes per packet count the whole underlay frame: outer Ethernet 14, IPv4 20, UDP 8, VXLAN or GPE 8, then the inner frame (L2) or packet (L3).");
            }
            await JsonOutput.WriteAsync(p, json, () => new JsonObject { ["l3"] = rows }, ct).ConfigureAwait(false);
            return Cli.Ok;
        });
        return command;
    }
}
