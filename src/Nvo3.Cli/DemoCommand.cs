using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Nvo3.Lab;
using Nvo3.Lab.Reports;

namespace Nvo3.Cli;

/// <summary>
/// <c>nvo3 demo</c>: runs the lab scenarios and prints what each move cost. Exit status: 0 every
/// scenario passed, 1 a scenario failed (or the lab could not run), 2 bad input.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var scenario = new Option<string[]>("--scenario")
        {
            Description = "A scenario to run (repeat for more; default: all). " + string.Join(", ", ScenarioSpec.All.Select(s => s.Name)) + ".",
        };
        scenario.CompletionSources.Add([.. ScenarioSpec.All.Select(s => s.Name)]);
        var json = JsonOutput.Create("the report");
        var report = new Option<string?>("--report") { Description = "Write a self-contained HTML report to this file: per scenario, every probe against time with the move's phases, and the table.", HelpName = "PATH" };
        var pcap = new Option<string?>("--pcap") { Description = "Write every underlay packet to this pcap file (open it with tshark or Wireshark)." };
        var noInflight = new Option<bool>("--no-inflight-forwarding") { Description = "Turn the old NVE's redirect off, to see what it saves (probes are lost)." };
        var push = new Option<bool>("--push") { Description = "Correspondent NVEs learn the move by push (watch) instead of pull (look-up at cache expiry)." };
        var underlay = new Option<string>("--underlay") { Description = "The underlay family: ipv4 (127.x.y.N) or ipv6 (fd00:4e56::/32 on lo, needs root).", DefaultValueFactory = _ => "ipv4" };
        underlay.AcceptOnlyFromAmong("ipv4", "ipv6");
        var lifetime = new Option<int>("--cache-lifetime-ms") { Description = "How long NVEs cache look-ups; long enough that packets are in flight during a move.", DefaultValueFactory = _ => 500 };
        var metricsListen = MetricsOption.Create("the lab's (every NVE's, the NVA's and the moves')");
        var list = new Option<bool>("--list") { Description = "List the scenarios and exit (with --json, as JSON)." };
        var logLevel = Cli.LogLevelOption();
        logLevel.DefaultValueFactory = _ => LogLevel.Warning;

        var command = new Command("demo", "Run the in-process lab: in each scenario a VM moves between NVEs while a correspondent probes it every millisecond; prints a table of what the move cost.")
        {
            scenario, json, report, pcap, noInflight, push, underlay, lifetime, metricsListen, list, logLevel,
        };
        command.Handle(async (p, ct) =>
        {
            if (p.GetValue(list))
            {
                if (JsonOutput.ToStdout(p, json))
                {
                    Console.WriteLine(Json.Print(new JsonObject
                    {
                        ["scenarios"] = new JsonArray([.. ScenarioSpec.All.Select(s => (JsonNode)new JsonObject
                        {
                            ["name"] = s.Name, ["layer"] = s.Layer, ["family"] = s.Family, ["mode"] = s.Mode, ["description"] = s.Description,
                        })]),
                    }));
                    return Cli.Ok;
                }
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
            var metricsEndpoint = MetricsOption.Parse(p, metricsListen);
            using var logging = Cli.Logging(p.GetValue(logLevel));
            await using var metrics = await MetricsOption.StartAsync(metricsEndpoint, "nvo3 demo", Console.Error, ct).ConfigureAwait(false);
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
                var result = await runner.RunAsync(spec, ct).ConfigureAwait(false);
                Console.Error.WriteLine(result.Passed ? "passed" : "failed");
                reports.Add(result);
            }
            bool text = !JsonOutput.ToStdout(p, json);
            if (text)
            {
                var table = new TextTable([.. ScenarioRow.Headers]);
                foreach (var r in reports)
                {
                    table.Add(ScenarioRow.Cells(r));
                }
                Console.WriteLine();
                Console.Write(table);
                foreach (var r in reports)
                {
                    Console.WriteLine($"{r.Name}: {r.Notes}");
                }
            }
            await JsonOutput.WriteAsync(p, json, () => JsonSerializer.Serialize(new DemoReport { Scenarios = reports }, ReportJson.Default.DemoReport), ct).ConfigureAwait(false);
            var said = text ? Console.Out : Console.Error;
            if (JsonOutput.File(p, json) is { } jsonPath)
            {
                said.WriteLine($"report: {jsonPath}");
            }
            if (p.GetValue(report) is { } htmlPath)
            {
                string html = MoveReportHtml.Render("nvo3 demo", DemoMeta(options, reports.Count), [.. reports.Select(ScenarioTimeline.ForReport)]);
                await File.WriteAllTextAsync(htmlPath, html, ct).ConfigureAwait(false);
                said.WriteLine($"HTML report: {htmlPath}");
            }
            if (capture is not null)
            {
                said.WriteLine($"capture: {capture.Path} ({capture.Count} underlay packets; tshark -r {capture.Path})");
            }
            // The status follows the scenarios: a script can trust `nvo3 demo && …`.
            int failed = reports.Count(r => !r.Passed);
            if (failed > 0)
            {
                return await Cli.FailAsync("nvo3 demo", $"{failed} of {reports.Count} scenario(s) did not pass: {string.Join(", ", reports.Where(r => !r.Passed).Select(r => r.Name))}.", Cli.Failed).ConfigureAwait(false);
            }
            return Cli.Ok;
        });
        return command;
    }

    private static string DemoMeta(DemoOptions options, int scenarios) =>
        $"{scenarios} scenario(s), {(options.Push ? "push" : "pull")} updates, in-flight forwarding {(options.InflightForwarding ? "on" : "off")}, "
        + $"{(options.Underlay == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} underlay, cache lifetime {options.CacheLifetime.TotalMilliseconds:0} ms, "
        + $"a probe every {options.ProbeInterval.TotalMilliseconds:0.#} ms; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.MachineName}.";
}
