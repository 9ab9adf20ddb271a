using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nvo3.Lab;

namespace Nvo3.Cli;

/// <summary><c>nvo3 demo</c>: runs the lab scenarios and prints what each move cost.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var scenario = new Option<string[]>("--scenario")
        {
            Description = "A scenario to run (repeat for more; default: all). " + string.Join(", ", ScenarioSpec.All.Select(s => s.Name)) + ".",
        };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file." };
        var pcap = new Option<string?>("--pcap") { Description = "Write every underlay packet to this pcap file (open it with tshark or Wireshark)." };
        var noInflight = new Option<bool>("--no-inflight-forwarding") { Description = "Turn the old NVE's redirect off, to see what it saves (probes are lost)." };
        var push = new Option<bool>("--push") { Description = "Correspondent NVEs learn the move by push (watch) instead of pull (look-up at cache expiry)." };
        var underlay = new Option<string>("--underlay") { Description = "The underlay family: ipv4 (127.x.y.N) or ipv6 (fd00:4e56::/32 on lo, needs root).", DefaultValueFactory = _ => "ipv4" };
        underlay.AcceptOnlyFromAmong("ipv4", "ipv6");
        var lifetime = new Option<int>("--cache-lifetime-ms") { Description = "How long NVEs cache look-ups; long enough that packets are in flight during a move.", DefaultValueFactory = _ => 500 };
        var list = new Option<bool>("--list") { Description = "List the scenarios and exit." };
        var logLevel = Cli.LogLevelOption();
        logLevel.DefaultValueFactory = _ => LogLevel.Warning;

        var command = new Command("demo", "Run the in-process lab: in each scenario a VM moves between NVEs while a correspondent probes it every millisecond; prints a table of what the move cost.")
        {
            scenario, json, pcap, noInflight, push, underlay, lifetime, list, logLevel,
        };
        command.Handle(async (p, ct) =>
        {
            if (p.GetValue(list))
            {
                foreach (var s in ScenarioSpec.All)
                {
                    Console.WriteLine($"{s.Name,-22} {s.Description}");
                }
                return Cli.Ok;
            }
            var names = p.GetValue(scenario) is { Length: > 0 } chosen ? chosen : ScenarioSpec.All.Select(s => s.Name).ToArray();
            var specs = names.Select(n => ScenarioSpec.Find(n) ?? throw new ArgumentException(
                $"Unknown scenario '{n}'; choose from {string.Join(", ", ScenarioSpec.All.Select(s => s.Name))}.")).ToList();
            if (p.GetValue(lifetime) <= 0)
            {
                throw new ArgumentException("--cache-lifetime-ms must be above 0.");
            }
            using var logging = Cli.Logging(p.GetValue(logLevel));
            using var capture = p.GetValue(pcap) is { } path ? new UnderlayCapture(path) : null;
            var options = new DemoOptions
            {
                Push = p.GetValue(push),
                InflightForwarding = !p.GetValue(noInflight),
                Underlay = p.GetValue(underlay) == "ipv6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
                CacheLifetime = TimeSpan.FromMilliseconds(p.GetValue(lifetime)),
                Capture = capture,
            };
            var runner = new ScenarioRunner(options, logging);
            Console.Error.Write("warming up (one unreported move, so no scenario pays for JIT compilation) ... ");
            await runner.WarmUpAsync(ct).ConfigureAwait(false);
            Console.Error.WriteLine("done");
            var reports = new List<ScenarioReport>();
            foreach (var spec in specs)
            {
                Console.Error.Write($"running {spec.Name}: {spec.Description} ... ");
                var report = await runner.RunAsync(spec, ct).ConfigureAwait(false);
                Console.Error.WriteLine(report.Passed ? "passed" : "failed");
                reports.Add(report);
            }
            Console.WriteLine();
            Console.Write(Table(reports));
            foreach (var r in reports)
            {
                Console.WriteLine($"{r.Name}: {r.Notes}");
            }
            if (p.GetValue(json) is { } jsonPath)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(new DemoReport { Scenarios = reports }, ReportJson.Default.DemoReport), ct).ConfigureAwait(false);
                Console.WriteLine($"report: {jsonPath}");
            }
            if (capture is not null)
            {
                Console.WriteLine($"capture: {capture.Path} ({capture.Count} underlay packets; tshark -r {capture.Path})");
            }
            return Cli.Ok;
        });
        return command;
    }

    private static string Table(IReadOnlyList<ScenarioReport> reports)
    {
        var table = new TextTable("SCENARIO", "UPDATE", "REDIRECT", "SENT", "LOST", "DUP", "REORD", "IN FLIGHT", "HELD", "PAUSE", "DOWNTIME", "CONVERGED", "RESULT");
        foreach (var r in reports)
        {
            table.Add(r.Name, r.UpdateMode, r.InflightForwarding ? "on" : "off",
                N(r.Probe.Sent), N(r.Probe.Lost), N(r.Probe.Duplicated), N(r.Probe.Reordered), N(r.ForwardedInFlight), N(r.BufferedAtActivation),
                Ms(r.PauseMs), Ms(r.DowntimeMs), r.ConvergenceMs < 0 ? "no" : Ms(r.ConvergenceMs),
                r.Passed ? "passed" : !r.InflightForwarding && r.Probe.Lost > 0 ? "lossy (redirect off)" : "FAILED");
        }
        return table.ToString();

        static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

        static string Ms(double v) => v.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
    }
}
