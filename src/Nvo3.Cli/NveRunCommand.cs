using System.CommandLine;
using System.Globalization;
using Nvo3.Nva;
using Nvo3.Nva.Hosting;
using Nvo3.Nve;
using Nvo3.Nve.Agent;
using Nvo3.Packets;

namespace Nvo3.Cli;

/// <summary><c>nvo3 nve run</c>: an NVE as a process.</summary>
internal static partial class NveCommand
{
    static partial void AddRun(Command command)
    {
        var nva = Cli.NvaOption();
        var name = new Option<string>("--name") { Description = "The NVE's name in the directory.", Required = true };
        var underlay = new Option<string>("--underlay") { Description = "Where it receives VXLAN: ADDR (UDP 4789), ADDR:PORT or [IPv6]:PORT.", Required = true };
        var mode = new Option<string>("--mode") { Description = "pull: look up remote locations when their lifetime runs out; push: follow the NVA's watch.", DefaultValueFactory = _ => "pull" };
        mode.AcceptOnlyFromAmong("pull", "push");
        var activation = new Option<ActivationStrategy>("--activation")
        {
            Description = "When a VM arriving by migration activates: on its first Garp, Na, Rarp, Any announcement, or Immediate on resume.",
            DefaultValueFactory = _ => ActivationStrategy.Any,
        };
        var noInflight = new Option<bool>("--no-inflight-forwarding") { Description = "Do not forward packets in flight for VMs that left." };
        var stats = new Option<int>("--stats-seconds") { Description = "Print the counters every N seconds (0: only at exit).", DefaultValueFactory = _ => 0 };
        var taps = new Option<string[]>("--tap")
        {
            Description = "Attach a TAP device for a binding at start: NAME=VNI/MAC (repeat for more; Linux, root).",
            AllowMultipleArgumentsPerToken = false,
        };
        var agentListen = new Option<string?>("--agent-listen")
        {
            Description = $"Serve the port agent (attach, detach, pause, resume TAP ports at run time) on HOST:PORT, e.g. 127.0.0.1:{PortAgentServer.DefaultPort}.",
        };
        var logLevel = Cli.LogLevelOption();

        var run = new Command("run", "Run an NVE: register with the NVA, follow the directory, forward tunnelled traffic. Stops on Ctrl+C or SIGTERM.")
        {
            nva, name, underlay, mode, activation, noInflight, taps, agentListen, stats, logLevel,
        };
        run.Handle(async (p, ct) =>
        {
            using var logging = Cli.Logging(p.GetValue(logLevel));
            using var client = Cli.Connect(p.GetValue(nva)!);
            var options = new EdgeOptions
            {
                Name = p.GetValue(name)!,
                Underlay = Authority.ParseUnderlay(p.GetValue(underlay)),
                Mode = p.GetValue(mode) == "push" ? UpdateMode.Push : UpdateMode.Pull,
                Activation = p.GetValue(activation),
                InflightForwarding = !p.GetValue(noInflight),
            };
            var tapSpecs = (p.GetValue(taps) ?? []).Select(ParseTap).ToList();
            var agentEndpoint = p.GetValue(agentListen) is { } listen ? NvaServer.ParseListen(listen) : null;
            await using var edge = await Edge.StartAsync(options, client, loggerFactory: logging, cancellationToken: ct).ConfigureAwait(false);
            foreach (var (tapName, vni, mac) in tapSpecs)
            {
                var port = edge.AttachPort(TapPort.Create(tapName, mac), vni, mac);
                Console.WriteLine($"nvo3 nve: TAP {port.Port.Name} attached for {mac} in VNI {vni} ({port.State})");
            }
            await using var agent = agentEndpoint is null ? null
                : await PortAgentServer.StartAsync(edge, agentEndpoint, logging, ct).ConfigureAwait(false);
            Console.WriteLine($"nvo3 nve: {edge.Name} running on {edge.Endpoint} ({p.GetValue(mode)} mode), NVA {client.Address}"
                + (agent is null ? "" : $", port agent {agent.Address}") + "; Ctrl+C stops.");
            int every = p.GetValue(stats);
            try
            {
                while (true)
                {
                    await Task.Delay(every > 0 ? TimeSpan.FromSeconds(every) : Timeout.InfiniteTimeSpan, ct).ConfigureAwait(false);
                    PrintCounters(edge);
                }
            }
            catch (OperationCanceledException)
            {
                PrintCounters(edge);
                Console.WriteLine("nvo3 nve: stopping.");
            }
            return Cli.Ok;
        });
        command.Subcommands.Add(run);
    }

    /// <summary>Parses NAME=VNI/MAC; throws <see cref="ArgumentException"/> saying what to write.</summary>
    internal static (string Name, uint Vni, MacAddress Mac) ParseTap(string text)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (equals > 0 && slash > equals
            && uint.TryParse(text.AsSpan(equals + 1, slash - equals - 1), NumberStyles.None, CultureInfo.InvariantCulture, out uint vni)
            && vni is > 0 and <= 0xFF_FFFF
            && MacAddress.TryParse(text[(slash + 1)..], out var mac))
        {
            return (text[..equals], vni, mac);
        }
        throw new ArgumentException($"--tap '{text}' is not NAME=VNI/MAC; write vm1=100/02:00:00:00:00:01.");
    }

    private static void PrintCounters(Edge edge)
    {
        var counters = edge.Counters.Snapshot();
        Console.WriteLine($"nvo3 nve: {edge.Name} " + (counters.Count == 0 ? "(no traffic yet)" : string.Join(" ", counters.Select(kv => $"{kv.Key}={kv.Value}"))));
    }
}
