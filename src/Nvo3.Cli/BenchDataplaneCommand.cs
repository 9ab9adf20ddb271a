using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Lab;

namespace Nvo3.Cli;

/// <summary><c>nvo3 bench dataplane</c>: packets per second through two NVEs on loopback.</summary>
internal static class BenchDataplaneCommand
{
    public static Command Create()
    {
        var sizes = Cli.ListOption("--sizes", "Tenant frame sizes in bytes", [64, 1400], Cli.ParseInt);
        var seconds = new Option<double>("--seconds") { Description = "How long each size is measured.", DefaultValueFactory = _ => 3 };
        var json = JsonOutput.Create("the figures");
        var command = new Command("dataplane", "Encapsulate → UDP → decapsulate between two NVEs on loopback: frames per second for each frame size.") { sizes, seconds, json };
        command.Handle(async (p, ct) =>
        {
            var frameSizes = p.GetValue(sizes)!;
            if (frameSizes.Any(s => s < 60 || s > 9000))
            {
                throw new ArgumentException("--sizes must be between 60 and 9000 bytes.");
            }
            var duration = TimeSpan.FromSeconds(p.GetValue(seconds) > 0 ? p.GetValue(seconds) : throw new ArgumentException("--seconds must be above 0."));
            Console.Error.WriteLine($"measuring {string.Join(", ", frameSizes)}-byte frames, {duration.TotalSeconds:0.#} s each ...");
            var figures = await DataplaneBenchmark.RunAsync(frameSizes, duration, cancellationToken: ct).ConfigureAwait(false);
            var table = new TextTable("FRAME", "SENT", "RECEIVED", "LOSS", "PACKETS/S", "TENANT BIT/S");
            foreach (var f in figures)
            {
                table.Add($"{f.FrameBytes} B", f.Sent.ToString(CultureInfo.InvariantCulture), f.Received.ToString(CultureInfo.InvariantCulture),
                    $"{100.0 * (f.Sent - f.Received) / Math.Max(1, f.Sent):0.00} %", $"{f.PacketsPerSecond:N0}", $"{f.BitsPerSecond / 1e9:0.000} G");
            }
            if (!JsonOutput.ToStdout(p, json))
            {
                Console.Write(table);
            }
            await JsonOutput.WriteAsync(p, json, () =>
            {
                var array = new JsonArray(figures.Select(f => (JsonNode)new JsonObject
                {
                    ["frameBytes"] = f.FrameBytes,
                    ["sent"] = f.Sent,
                    ["received"] = f.Received,
                    ["seconds"] = f.Seconds,
                    ["packetsPerSecond"] = f.PacketsPerSecond,
                    ["bitsPerSecond"] = f.BitsPerSecond,
                }).ToArray());
                return new JsonObject { ["dataplane"] = array };
            }, ct).ConfigureAwait(false);
            return Cli.Ok;
        });
        return command;
    }
}
