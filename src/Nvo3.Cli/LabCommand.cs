using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Lab.Netns;
using Nvo3.Lab.Reports;
using Nvo3.Nva;

namespace Nvo3.Cli;

/// <summary><c>nvo3 lab netns up|status|migrate|down</c>: the lab across Linux network namespaces with real kernel stacks.</summary>
internal static class LabCommand
{
    public static Command Create() => new("lab", "Labs: the netns lab with real kernel network stacks (the in-process lab runs with nvo3 demo), and the QEMU guest image.") { CreateNetns(), ImageCommand.Create() };

    private static Option<string> PrefixOption()
    {
        var prefix = new Option<string>("--prefix")
        {
            Description = "The lab's name prefix: its namespaces and root interfaces are PREFIX-… (1–11 letters, digits or dashes).",
            DefaultValueFactory = _ => "n3",
        };
        // Checked at parse time on every subcommand: the prefix names interfaces and, without
        // --state-dir, the state directory /run/nvo3-lab/PREFIX that down removes.
        prefix.Validators.Add(result =>
        {
            if (NetnsLabOptions.PrefixError(result.GetValueOrDefault<string>() ?? "") is { } error)
            {
                result.AddError(error);
            }
        });
        return prefix;
    }

    private static Option<string?> StateOption() => new("--state-dir")
    {
        Description = "Where the lab keeps its state file, NVA store and logs (default /run/nvo3-lab/PREFIX).",
    };

    private static Command CreateNetns()
    {
        var command = new Command("netns", "Servers and VMs as network namespaces (root, Linux): NVE processes with TAP ports, one NVA, optionally a kernel VXLAN VTEP.")
        {
            Up(), Status(), Migrate(), Down(), VtepSync(),
        };
        return command;
    }

    private static Command Up()
    {
        var prefix = PrefixOption();
        var state = StateOption();
        var hosts = new Option<int>("--hosts") { Description = "Servers, each a namespace with an nvo3 NVE.", DefaultValueFactory = _ => 2 };
        var vms = new Option<int>("--vms") { Description = "VMs, each a namespace on a TAP of an NVE, placed round-robin.", DefaultValueFactory = _ => 2 };
        var kernel = new Option<bool>("--with-kernel-vtep") { Description = "Add a server whose VTEP is the kernel's vxlan device, with a VM behind it." };
        var update = new Option<string>("--update") { Description = "How NVEs learn moves: pull (look up when an answer expires) or push.", DefaultValueFactory = _ => "pull" };
        update.AcceptOnlyFromAmong("pull", "push");
        var layer = new Option<string>("--layer") { Description = "l2: VXLAN between VMs; l3: VXLAN-GPE, every NVE the anycast gateway (10.100.0.254, fd00:100::fe).", DefaultValueFactory = _ => "l2" };
        layer.AcceptOnlyFromAmong("l2", "l3");
        var up = new Command("up", "Build a lab: underlay bridge, NVA, servers with NVE processes, VMs on TAP ports.") { prefix, state, hosts, vms, kernel, update, layer };
        up.Handle(async (p, ct) =>
        {
            var options = new NetnsLabOptions
            {
                Prefix = p.GetValue(prefix)!,
                StateDirectory = p.GetValue(state),
                Hosts = p.GetValue(hosts),
                Vms = p.GetValue(vms),
                WithKernelVtep = p.GetValue(kernel),
                UpdateMode = p.GetValue(update)!,
                Layer = p.GetValue(layer)!,
            };
            try
            {
                using var lab = await NetnsLab.UpAsync(options, progress: Console.Out, cancellationToken: ct).ConfigureAwait(false);
                Console.WriteLine($"lab {options.Prefix} is up; state in {options.ResolvedStateDirectory}. Try: ip netns exec {options.Prefix}-vm1 ping {NetnsLab.VmIpv4(2)}");
                return Cli.Ok;
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or Nva.NvaException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"nvo3 lab netns up: {ex.Message}").ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"What was made is in {options.ResolvedStateDirectory}; nvo3 lab netns down{(options.Prefix == "n3" ? "" : " --prefix " + options.Prefix)} removes it.").ConfigureAwait(false);
                return Cli.Failed;
            }
        });
        return up;
    }

    private static Command Status()
    {
        var prefix = PrefixOption();
        var state = StateOption();
        var json = Cli.JsonOption();
        var status = new Command("status", "Show the lab's servers and VMs (where the NVA says each VM is now).") { prefix, state, json };
        status.Handle(async (p, ct) =>
        {
            using var lab = NetnsLab.Open(p.GetValue(state) ?? NetnsLabOptions.DefaultStateDirectory(p.GetValue(prefix)!));
            var report = await lab.StatusAsync(ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(report));
                return Cli.Ok;
            }
            var nva = report["nva"]!;
            Console.WriteLine($"lab {report["prefix"]}: NVA {nva["address"]} (pid {nva["pid"]}, {((bool)nva["running"]! ? "running" : "not running")}), VNI {report["vni"]}, {report["updateMode"]} mode");
            var hostTable = new TextTable("HOST", "NETNS", "UNDERLAY", "KIND", "PID", "STATE");
            foreach (var h in report["hosts"]!.AsArray())
            {
                hostTable.Add((string)h!["name"]!, (string)h["netns"]!, (string)h["underlay"]!, (string)h["kind"]!,
                    h["pid"]?.ToString() ?? "-", h["running"] is null ? "kernel" : (bool)h["running"]! ? "running" : "stopped");
            }
            Console.Write(hostTable);
            Console.WriteLine();
            var vmTable = new TextTable("VM", "NETNS", "HOST", "MAC", "IPV4", "IPV6");
            foreach (var v in report["vms"]!.AsArray())
            {
                vmTable.Add((string)v!["name"]!, (string)v["netns"]!, (string)v["host"]!, (string)v["mac"]!, (string)v["ipv4"]!, (string)v["ipv6"]!);
            }
            Console.Write(vmTable);
            return Cli.Ok;
        });
        return status;
    }

    private static Command Migrate()
    {
        var prefix = PrefixOption();
        var state = StateOption();
        var vm = new Argument<string>("VM") { Description = "The VM to move (vm1, vm2, …)." };
        var to = new Option<string>("--to") { Description = "The server to move it to (h1, h2, …).", Required = true };
        var mode = new Option<string>("--mode") { Description = "hot: pause, packets in flight forwarded and held; cold: stop, what arrives meanwhile is lost.", DefaultValueFactory = _ => "hot" };
        mode.AcceptOnlyFromAmong("hot", "cold");
        var json = Cli.JsonOption();
        var report = new Option<string?>("--report")
        {
            Description = "Write a self-contained HTML report to this file: another VM probes the moving one every millisecond (UDP) from before the move until after it; every probe against time with the move's phases, and the table.",
            HelpName = "PATH",
        };
        var migrate = new Command("migrate", "Move a VM to another server: its namespace (kernel stack, sockets) stays, its interface is re-created under the destination NVE.") { vm, to, mode, prefix, state, json, report };
        migrate.Handle(async (p, ct) =>
        {
            using var lab = NetnsLab.Open(p.GetValue(state) ?? NetnsLabOptions.DefaultStateDirectory(p.GetValue(prefix)!));
            var migrationMode = p.GetValue(mode) == "cold" ? MigrationMode.Cold : MigrationMode.Hot;
            ProbedMove? probed = null;
            if (p.GetValue(report) is { } htmlPath)
            {
                // Refused before the move, not after it: a report that cannot be written is bad input.
                if (Path.GetDirectoryName(Path.GetFullPath(htmlPath)) is { } folder && !Directory.Exists(folder))
                {
                    throw new ArgumentException($"--report {htmlPath}: the folder {folder} does not exist.");
                }
                probed = await lab.MigrateProbedAsync(p.GetValue(vm)!, p.GetValue(to)!, migrationMode, TimeSpan.FromMilliseconds(1), ct).ConfigureAwait(false);
                string html = MoveReportHtml.Render("nvo3 lab netns migrate", string.Create(CultureInfo.InvariantCulture,
                    $"Lab {lab.State.Prefix}: {lab.State.Hosts.Count} server(s), {lab.State.Vms.Count} VM(s), {lab.State.UpdateMode} updates; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.MachineName}."),
                    [probed.Timeline]);
                await File.WriteAllTextAsync(htmlPath, html, ct).ConfigureAwait(false);
            }
            var move = probed?.Move ?? await lab.MigrateAsync(p.GetValue(vm)!, p.GetValue(to)!, migrationMode, ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                var output = new JsonObject
                {
                    ["vm"] = move.Vm, ["from"] = move.From, ["to"] = move.To, ["mode"] = move.Mode, ["migrationId"] = move.MigrationId,
                    ["pauseMs"] = Math.Round(move.PauseMs, 3), ["activationMs"] = Math.Round(move.ActivationMs, 3), ["totalMs"] = Math.Round(move.TotalMs, 3),
                    ["redirectTo"] = move.RedirectTo,
                };
                if (probed?.Probes is { } probes)
                {
                    output["probe"] = new JsonObject
                    {
                        ["from"] = probes.From, ["intervalMs"] = probes.IntervalMs, ["sent"] = probes.Sent, ["received"] = probes.Received,
                        ["lost"] = probes.Lost, ["longestGapMs"] = Math.Round(probes.LongestGapMs, 3),
                    };
                    output["report"] = p.GetValue(report);
                }
                Console.WriteLine(Json.Print(output));
                return Cli.Ok;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{move.Vm}: {move.From} → {move.To} ({move.Mode}, {move.MigrationId}): paused {move.PauseMs:0.0} ms, activated {move.ActivationMs:0.0} ms after resume, {move.TotalMs:0.0} ms in all; packets in flight {(move.RedirectTo is null ? "dropped" : "forwarded to " + move.RedirectTo)}"));
            if (probed?.Probes is { } seen)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"probes from {seen.From}: {seen.Received} of {seen.Sent} arrived, {seen.Lost} lost, longest gap {seen.LongestGapMs:0.0} ms; HTML report: {p.GetValue(report)}"));
            }
            return Cli.Ok;
        });
        return migrate;
    }

    private static Command Down()
    {
        var prefix = PrefixOption();
        var state = StateOption();
        var json = Cli.JsonOption();
        var down = new Command("down", "Remove every process, namespace and interface of the lab (also after a failed up).") { prefix, state, json };
        down.Handle((p, ct) =>
        {
            var report = NetnsLab.Down(p.GetValue(prefix)!, p.GetValue(state));
            Console.WriteLine(p.GetValue(json)
                ? Json.Print(new JsonObject { ["processes"] = Strings(report.Processes), ["namespaces"] = Strings(report.Namespaces), ["links"] = Strings(report.Links) })
                : $"stopped {report.Processes.Count} process(es){List(report.Processes)}; deleted {report.Namespaces.Count} namespace(s){List(report.Namespaces)}, {report.Links.Count} root interface(s){List(report.Links)}");
            return Task.FromResult(Cli.Ok);
        });
        return down;
    }

    private static JsonArray Strings(IReadOnlyList<string> items) => new([.. items.Select(i => (JsonNode)i)]);

    private static string List(IReadOnlyList<string> items) => items.Count == 0 ? "" : " (" + string.Join(", ", items) + ")";

    private static Command VtepSync()
    {
        var nva = Cli.NvaOption();
        var nve = new Option<string>("--nve") { Description = "The kernel VTEP's name in the directory.", Required = true };
        var netns = new Option<string>("--netns") { Description = "The namespace of its vxlan device.", Required = true };
        var device = new Option<string>("--device") { Description = "The vxlan device.", DefaultValueFactory = _ => "vxlan0" };
        var vni = new Option<uint>("--vni") { Description = "The network.", DefaultValueFactory = _ => NetnsLab.Vni };
        var logLevel = Cli.LogLevelOption();
        var sync = new Command("vtep-sync", "Program a kernel vxlan device's FDB from the NVA and follow its changes (the lab runs it for --with-kernel-vtep).")
        {
            nva, nve, netns, device, vni, logLevel,
        };
        sync.Handle(async (p, ct) =>
        {
            using var logging = Cli.Logging(p.GetValue(logLevel));
            using var client = Cli.Connect(p.GetValue(nva)!);
            var fdb = new KernelVtepFdb(client, p.GetValue(nve)!, p.GetValue(netns)!, p.GetValue(device)!, p.GetValue(vni), logging);
            Console.WriteLine($"nvo3 vtep-sync: programming {fdb.Device} in {fdb.Netns} for {fdb.Nve} from {client.Address}; Ctrl+C stops.");
            await fdb.RunAsync(ct).ConfigureAwait(false);
            return Cli.Ok;
        });
        return sync;
    }
}
