using System.CommandLine;
using System.Globalization;
using System.Net;
using Nvo3.Hosting;
using Nvo3.Migration;
using Nvo3.Mobility.Agent;
using Nvo3.Mobility.Emulated;
using Nvo3.Mobility.Qemu;
using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Cli;

/// <summary><c>nvo3 nve run</c>: an NVE as a process, with its TAP ports, its agent and the emulated VMs it hosts.</summary>
internal static partial class NveCommand
{
    static partial void AddRun(Command command)
    {
        var nva = Cli.NvaOption();
        var name = new Option<string>("--name") { Description = "The NVE's name in the directory.", Required = true };
        var underlay = new Option<string>("--underlay") { Description = "Where it receives VXLAN: ADDR (UDP 4789), ADDR:PORT or [IPv6]:PORT.", Required = true };
        var update = new Option<string>("--update") { Description = "pull: look up remote locations when their lifetime runs out; push: follow the NVA's watch.", DefaultValueFactory = _ => "pull" };
        update.AcceptOnlyFromAmong("pull", "push");
        var mode = RenamedOption.Old("--mode", update, "pull", "push");
        var activation = new Option<ActivationStrategy>("--activation")
        {
            Description = "When a VM arriving by migration activates: on its first Garp, Na, Rarp, Any announcement, or Immediate on resume.",
            DefaultValueFactory = _ => ActivationStrategy.Any,
        };
        var noInflight = new Option<bool>("--no-inflight-forwarding") { Description = "Do not forward packets in flight for VMs that left." };
        var followPorts = new Option<bool>("--follow-port-networks")
        {
            Description = "Follow only the networks this NVE has ports in (and the NVE records), not the whole directory; the set changes as ports come and go. Not with --vm.",
        };
        var taps = new Option<string[]>("--tap")
        {
            Description = "Attach a TAP device for a binding at start: NAME=VNI/MAC (repeat for more; Linux, root).",
            AllowMultipleArgumentsPerToken = false,
        };
        var agentListen = new Option<string?>("--agent-listen")
        {
            Description = $"Serve the agent on HOST:PORT (e.g. 127.0.0.1:{AgentServer.DefaultPort}): the port agent (attach, detach, pause, resume TAP ports at run time) "
                + "and the migration service (nvo3 migrate), published in the NVA.",
        };
        var vms = new Option<string[]>("--vm")
        {
            Description = "Host an emulated VM here: NAME=VNI/MAC/IP[/IP] (repeat for more); it is bound in the NVA, gets memory and a disk, and can be moved with nvo3 migrate. Needs --agent-listen.",
        };
        var vmMemory = new Option<int>("--vm-memory-mib") { Description = "Each emulated VM's memory.", DefaultValueFactory = _ => 64 };
        var vmDisk = new Option<int>("--vm-disk-mib") { Description = "Each emulated VM's disk.", DefaultValueFactory = _ => 16 };
        var vmDirty = new Option<double>("--vm-dirty-mbps") { Description = "How fast each emulated VM dirties its memory, MB/s (its disk at a tenth of that).", DefaultValueFactory = _ => 10 };
        var qemu = QemuOption();
        var qemuArrivals = QemuArrivalsOption();
        var stats = new Option<int>("--stats-seconds") { Description = "Print the counters every N seconds (0: only at exit).", DefaultValueFactory = _ => 0 };
        var metricsListen = MetricsOption.Create("this NVE's (and its VMs' moves')");
        var logLevel = Cli.LogLevelOption();
        var config = DaemonConfiguration.Option();

        var run = new Command("run", "Run an NVE: register with the NVA, follow the directory, forward tunnelled traffic; optionally TAP ports, its agent and emulated VMs. Stops on Ctrl+C or SIGTERM.")
        {
            nva, name, underlay, update, mode, activation, noInflight, followPorts, taps, agentListen, vms, vmMemory, vmDisk, vmDirty, qemu, qemuArrivals, stats, metricsListen, logLevel, config,
        };
        run.Handle(async (p, ct) =>
        {
            string updateMode = RenamedOption.Resolve(p, update, mode);
            var hosted = (p.GetValue(vms) ?? []).Select(ParseVm).ToList();
            var tapSpecs = (p.GetValue(taps) ?? []).Select(ParseTap).ToList();
            var agentEndpoint = p.GetValue(agentListen) is { } listen ? GrpcHost.ParseListen(listen, AgentServer.DefaultPort) : null;
            var guests = (p.GetValue(qemu) ?? []).Select(ParseQemu).ToList();
            if ((hosted.Count > 0 || guests.Count > 0 || p.GetValue(qemuArrivals)) && agentEndpoint is null)
            {
                throw new ArgumentException("--vm, --qemu and --qemu-arrivals need --agent-listen: the VMs move through the agent.");
            }
            if (hosted.Count > 0 && p.GetValue(followPorts))
            {
                throw new ArgumentException("--follow-port-networks cannot host --vm: an emulated VM waits to see its binding before its port exists.");
            }
            var metricsEndpoint = MetricsOption.Parse(p, metricsListen);
            using var logging = Cli.Logging(p.GetValue(logLevel));
            using var client = Cli.Connect(p.GetValue(nva)!);
            var options = new EdgeOptions
            {
                Name = p.GetValue(name)!,
                Underlay = Arguments.ParseUnderlay(p.GetValue(underlay)),
                Mode = updateMode == "push" ? UpdateMode.Push : UpdateMode.Pull,
                Activation = p.GetValue(activation),
                InflightForwarding = !p.GetValue(noInflight),
                FollowPortNetworks = p.GetValue(followPorts),
            };
            return await DaemonHost.RunAsync("nvo3 nve", logging, async startToken =>
            {
                var parts = new StartedParts();
                try
                {
                    var edge = parts.Add(await Edge.StartAsync(options, client, loggerFactory: logging, cancellationToken: startToken).ConfigureAwait(false));
                    if (await MetricsOption.StartAsync(metricsEndpoint, "nvo3 nve", Console.Out, startToken).ConfigureAwait(false) is { } metrics)
                    {
                        parts.Add(metrics);
                    }
                    foreach (var (tapName, vni, mac) in tapSpecs)
                    {
                        var port = edge.AttachPort(TapPort.Create(tapName, mac), vni, mac);
                        Console.WriteLine($"nvo3 nve: TAP {port.Port.Name} attached for {mac} in VNI {vni} ({port.State})");
                    }
                    EmulatedHost? host = null;
                    AgentServer? agent = null;
                    if (agentEndpoint is not null)
                    {
                        host = parts.Add(await EmulatedHost.StartAsync(edge, client, new IPEndPoint(options.Underlay.Address.ToIPAddress(), 0), logging).ConfigureAwait(false));
                        var qemuHost = guests.Count > 0 || p.GetValue(qemuArrivals) ? parts.Add(await StartQemuHostAsync(edge, client, guests, startToken).ConfigureAwait(false)) : null;
                        agent = parts.Add(await AgentServer.StartAsync(agentEndpoint, edge, qemuHost is null ? [host] : [host, qemuHost], loggerFactory: logging, cancellationToken: startToken)
                            .ConfigureAwait(false));
                        await edge.PublishAgentAsync(agent.Address, startToken).ConfigureAwait(false);
                        var shape = new WorkloadShape { MemoryBytes = (long)p.GetValue(vmMemory) << 20, DiskBytes = (long)p.GetValue(vmDisk) << 20 };
                        var dirtying = new DirtierSettings { MemoryRate = p.GetValue(vmDirty) * 1e6, DiskRate = p.GetValue(vmDirty) * 1e5 };
                        foreach (var (vmName, vni, mac, ips) in hosted)
                        {
                            await host.StartVmAsync(vmName, vni, mac, ips, shape, dirtying, cancellationToken: startToken).ConfigureAwait(false);
                            Console.WriteLine($"nvo3 nve: {edge.Name} runs VM {vmName} ({mac}, {string.Join(", ", ips)}, VNI {vni})");
                        }
                    }
                    Console.WriteLine($"nvo3 nve: {edge.Name} running on {edge.Endpoint} ({updateMode} mode), NVA {client.Address}"
                        + (agent is null ? "" : $", agent {agent.Address} (migrations on {host!.Agent.Endpoint})") + "; Ctrl+C stops.");
                    parts.OnStop(() => PrintCounters(edge)); // the last counters, before the agent and ports stop
                    if (p.GetValue(stats) is > 0 and var every)
                    {
                        parts.Loop(async stop =>
                        {
                            while (true)
                            {
                                await Task.Delay(TimeSpan.FromSeconds(every), stop).ConfigureAwait(false);
                                PrintCounters(edge);
                            }
                        });
                    }
                    return parts;
                }
                catch
                {
                    await parts.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }, ct).ConfigureAwait(false);
        });
        command.Subcommands.Add(run);
    }

    // NAME=VNI/MAC/IP[/IP]
    private static (string Name, uint Vni, MacAddress Mac, List<IpAddr> Ips) ParseVm(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        var parts = eq > 0 ? text[(eq + 1)..].Split('/') : [];
        if (eq <= 0 || parts.Length < 3 || !uint.TryParse(parts[0], CultureInfo.InvariantCulture, out uint vni))
        {
            throw new ArgumentException($"--vm '{text}': write NAME=VNI/MAC/IP[/IP], like vm1=100/02:00:00:00:00:01/10.0.0.11/fd00:100::11.");
        }
        return (text[..eq], vni, Arguments.ParseMac(parts[1], "--vm MAC"), parts.Skip(2).Select(ip => Arguments.ParseIp(ip, "--vm IP")).ToList());
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
