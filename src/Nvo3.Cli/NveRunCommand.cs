using System.CommandLine;
using Nvo3.Nva;
using Nvo3.Nve;

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
        var logLevel = Cli.LogLevelOption();

        var run = new Command("run", "Run an NVE: register with the NVA, follow the directory, forward tunnelled traffic. Stops on Ctrl+C or SIGTERM.")
        {
            nva, name, underlay, mode, activation, noInflight, stats, logLevel,
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
            await using var edge = await Edge.StartAsync(options, client, loggerFactory: logging, cancellationToken: ct).ConfigureAwait(false);
            Console.WriteLine($"nvo3 nve: {edge.Name} running on {edge.Endpoint} ({p.GetValue(mode)} mode), NVA {client.Address}; Ctrl+C stops.");
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

    private static void PrintCounters(Edge edge)
    {
        var counters = edge.Counters.Snapshot();
        Console.WriteLine($"nvo3 nve: {edge.Name} " + (counters.Count == 0 ? "(no traffic yet)" : string.Join(" ", counters.Select(kv => $"{kv.Key}={kv.Value}"))));
    }
}
