using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva;
using Nvo3.Nve.Agent;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

public sealed partial class NetnsLab
{
    // Every VM namespace: announce after a move (gratuitous ARP, unsolicited NA on link up and on
    // new addresses), and no DAD delay for the addresses the directory hands out.
    private static readonly (string, string)[] s_vmSysctls =
    [
        ("net.ipv4.conf.all.arp_notify", "1"), ("net.ipv4.conf.default.arp_notify", "1"),
        ("net.ipv6.conf.all.ndisc_notify", "1"), ("net.ipv6.conf.default.ndisc_notify", "1"),
        ("net.ipv6.conf.all.accept_dad", "0"), ("net.ipv6.conf.default.accept_dad", "0"),
    ];

    /// <summary>
    /// Builds a lab: the underlay, the NVA, the servers with their NVEs, the VMs on their TAPs,
    /// and the kernel VTEP when asked. The state file grows with every step; when a step fails the
    /// exception says which, and <see cref="Down"/> removes what was made.
    /// </summary>
    public static async Task<NetnsLab> UpAsync(NetnsLabOptions options, ILoggerFactory? loggerFactory = null, TextWriter? progress = null, CancellationToken cancellationToken = default)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new UnauthorizedAccessException("The netns lab creates namespaces, veth and TAP devices: run it as root.");
        }
        if (options.Prefix.Length is 0 or > 11 || !options.Prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new ArgumentException($"Prefix '{options.Prefix}' must be 1–11 letters, digits or dashes (interface names are at most 15 bytes).");
        }
        if (options.Hosts is < 1 or > 50 || options.Vms is < 0 or > 99)
        {
            throw new ArgumentException("A lab has 1–50 servers and 0–99 VMs.");
        }
        if (options.UpdateMode is not ("pull" or "push"))
        {
            throw new ArgumentException($"--update is pull or push, not '{options.UpdateMode}'.");
        }
        if (options.Layer is not ("l2" or "l3"))
        {
            throw new ArgumentException($"--layer is l2 or l3, not '{options.Layer}'.");
        }
        if (options.Layer == "l3" && options.WithKernelVtep)
        {
            throw new ArgumentException("The kernel's vxlan device speaks Layer 2; --with-kernel-vtep needs --layer l2.");
        }
        string directory = options.ResolvedStateDirectory;
        if (NetnsLabState.Load(directory) is not null)
        {
            throw new IOException($"A lab is already up in {directory}; run nvo3 lab netns down{(options.Prefix == "n3" ? "" : " --prefix " + options.Prefix)} first.");
        }
        var leftovers = HostCommand.Namespaces().Where(n => n.StartsWith(options.Prefix + "-", StringComparison.Ordinal)).ToList();
        if (leftovers.Count > 0)
        {
            throw new IOException($"Namespaces {string.Join(", ", leftovers)} exist already; run nvo3 lab netns down --prefix {options.Prefix} to remove them.");
        }
        Directory.CreateDirectory(directory);
        var state = new NetnsLabState
        {
            Prefix = options.Prefix,
            StateDirectory = directory,
            UnderlayNet = UnderlayNetFor(options.Prefix),
            UpdateMode = options.UpdateMode,
        };
        state.Save();
        var lab = new NetnsLab(state, options.Nvo3Command ?? LabProcess.Self(), loggerFactory ?? NullLoggerFactory.Instance);
        await lab.BuildAsync(options, progress ?? TextWriter.Null, cancellationToken).ConfigureAwait(false);
        return lab;
    }

    private async Task BuildAsync(NetnsLabOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        progress.WriteLine($"underlay: bridge in {State.UnderlayNamespace}, 198.18.{State.UnderlayNet}.0/24, uplink {State.Prefix}-up");
        BuildUnderlay();
        for (int i = 1; i <= options.Hosts; i++)
        {
            AddServerNamespace($"h{i}", i);
        }
        for (int n = 1; n <= options.Vms; n++)
        {
            AddVmNamespace($"vm{n}", n, $"h{(n - 1) % options.Hosts + 1}");
        }

        progress.WriteLine($"nva: sqlite store in {State.StateDirectory}, listening on {UnderlayAddress(254)}:{NvaPort}");
        await StartNvaAsync(cancellationToken).ConfigureAwait(false);
        // Layer 3: the anycast gateway sits at the top of each subnet, clear of the VMs' addresses.
        var gatewayMac = VirtualNetwork.AnycastGatewayMac(Vni);
        List<Gateway> gateways = options.Layer == "l3"
            ? [new Gateway(IpAddr.Parse("10.100.0.254"), gatewayMac), new Gateway(IpAddr.Parse("fd00:100::fe"), gatewayMac)]
            : [];
        await Nva.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "lab", options.Layer == "l3" ? NetworkMode.L3 : NetworkMode.L2,
            [IpPrefix.Parse("10.100.0.0/24"), IpPrefix.Parse("fd00:100::/64")], gateways, options.CacheLifetime), cancellationToken).ConfigureAwait(false);

        foreach (var host in State.Hosts)
        {
            StartNve(host);
            progress.WriteLine($"{host.Name}: nvo3 nve run in {host.Netns} (pid {host.Process!.Pid}), underlay {host.Underlay}, agent {host.Agent}");
        }
        foreach (var host in State.Hosts)
        {
            await WaitForNveAsync(host, cancellationToken).ConfigureAwait(false);
        }
        foreach (var vm in State.Vms)
        {
            await Nva.AttachAsync(new AttachRequest(Vni, MacAddress.Parse(vm.Mac), [IpAddr.Parse(vm.Ipv4), IpAddr.Parse(vm.Ipv6)], vm.Host, vm.Name), cancellationToken).ConfigureAwait(false);
            // The NVE attached the TAP at start (nve run --tap); the binding makes its port Active.
            var host = Host(vm.Host);
            using var agent = Agent(host);
            PlugTap(host, vm, vm.Name);
            await WaitForPortAsync(agent, vm, "Active", cancellationToken).ConfigureAwait(false);
            progress.WriteLine($"{vm.Name}: {vm.Netns} eth0 {vm.Mac} {vm.Ipv4} {vm.Ipv6}, TAP of {vm.Host}");
        }
        if (options.WithKernelVtep)
        {
            await AddKernelVtepAsync(progress, cancellationToken).ConfigureAwait(false);
        }
    }

    private void BuildUnderlay()
    {
        string ul = State.UnderlayNamespace;
        AddNamespace(ul);
        string uplink = $"{State.Prefix}-up";
        HostCommand.Ip("link", "add", uplink, "type", "veth", "peer", "name", "uplink", "netns", ul);
        State.RootLinks.Add(uplink);
        State.Save();
        HostCommand.IpBatch(ul, ["link add br0 type bridge", "link set br0 up", "link set uplink mtu 9000 master br0", "link set uplink up"]);
        HostCommand.IpBatch(null, [$"addr add {UnderlayAddress(254)}/24 dev {uplink}", $"link set {uplink} mtu 9000 up"]);
    }

    private void AddNamespace(string name)
    {
        HostCommand.Ip("netns", "add", name);
        State.Namespaces.Add(name);
        State.Save();
        HostCommand.Ip("-n", name, "link", "set", "lo", "up");
    }

    // A server: a namespace with ul0 on the underlay bridge.
    private LabHost AddServerNamespace(string name, int number, string kind = "nvo3")
    {
        string netns = $"{State.Prefix}-{name}";
        AddNamespace(netns);
        HostCommand.Ip("-n", State.UnderlayNamespace, "link", "add", name, "type", "veth", "peer", "name", "ul0", "netns", netns);
        HostCommand.IpBatch(State.UnderlayNamespace, [$"link set {name} mtu 9000 master br0 up"]);
        HostCommand.IpBatch(netns, [$"addr add {UnderlayAddress(number)}/24 dev ul0", "link set ul0 mtu 9000 up"]);
        var host = new LabHost(name, netns, UnderlayAddress(number), kind);
        State.Hosts.Add(host);
        State.Save();
        return host;
    }

    private LabVm AddVmNamespace(string name, int number, string host)
    {
        string netns = $"{State.Prefix}-{name}";
        AddNamespace(netns);
        Sysctl.Set(netns, s_vmSysctls);
        var vm = new LabVm(name, netns, host, VmMac(number).ToString(), VmIpv4(number), VmIpv6(number)) { CurrentHost = host };
        State.Vms.Add(vm);
        State.Save();
        return vm;
    }

    private async Task StartNvaAsync(CancellationToken cancellationToken)
    {
        string address = $"http://{UnderlayAddress(254)}:{NvaPort}";
        string log = Path.Combine(State.StateDirectory, "nva.log");
        int pid = LabProcess.Start([.. Nvo3Command, "nva", "serve", "--store", "sqlite:" + Path.Combine(State.StateDirectory, "nva.db"),
            "--listen", $"{UnderlayAddress(254)}:{NvaPort}"], null, log);
        State.Nva = new LabProcessRecord("nva", pid, log, address);
        State.Save();
        await WaitAsync(async () =>
        {
            ThrowIfExited(State.Nva);
            await Nva.ListVirtualNetworksAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, $"the NVA at {address} (log: {log})", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    private void StartNve(LabHost host)
    {
        string log = Path.Combine(State.StateDirectory, host.Name + ".log");
        string agent = $"{host.Underlay}:{PortAgentServer.DefaultPort}";
        var taps = State.Vms.Where(v => v.Host == host.Name).SelectMany(v => new[] { "--tap", $"{v.Name}={Vni}/{v.Mac}" });
        int pid = LabProcess.Start([.. Nvo3Command, "nve", "run", "--name", host.Name, "--nva", State.Nva!.Address!, "--underlay", host.Underlay,
            "--update", State.UpdateMode, "--agent-listen", agent, "--log-level", "Information", .. taps], host.Netns, log);
        host.Process = new LabProcessRecord(host.Name, pid, log, $"http://{agent}");
        host.Agent = $"http://{agent}";
        State.Save();
    }

    private async Task WaitForNveAsync(LabHost host, CancellationToken cancellationToken)
    {
        using var agent = Agent(host);
        await WaitAsync(async () =>
        {
            ThrowIfExited(host.Process!);
            await agent.ListAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, $"NVE {host.Name}'s port agent at {host.Agent} (log: {host.Process!.Log})", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    private static void ThrowIfExited(LabProcessRecord process)
    {
        if (!LabProcess.IsRunning(process.Pid, "nvo3"))
        {
            string tail = File.Exists(process.Log) ? string.Join('\n', File.ReadLines(process.Log).TakeLast(5)) : "(no log)";
            throw new LabProcessExitedException($"{process.Name} (pid {process.Pid}) exited; its log {process.Log} ends:\n{tail}");
        }
    }

    // Moves the TAP the NVE created in its server's namespace into the VM's namespace and makes it
    // the VM's eth0 with its MAC and addresses. The NVE's descriptor stays valid across the move.
    // Bringing it up with an IPv4 address makes the kernel send a gratuitous ARP (arp_notify); the
    // IPv6 address added after, without DAD, an unsolicited NA (ndisc_notify).
    internal static void PlugTap(LabHost host, LabVm vm, string tap)
    {
        HostCommand.Ip("-n", host.Netns, "link", "set", tap, "netns", vm.Netns);
        HostCommand.IpBatch(vm.Netns,
        [
            $"link set {tap} name eth0",
            $"link set eth0 address {vm.Mac}",
            $"addr add {vm.Ipv4}/24 dev eth0",
            "link set eth0 up",
            $"addr add {vm.Ipv6}/64 dev eth0 nodad",
        ]);
    }

    private static async Task WaitForPortAsync(PortAgentClient agent, LabVm vm, string state, CancellationToken cancellationToken)
    {
        var mac = vm.Mac;
        await WaitAsync(async () =>
        {
            var list = await agent.ListAsync(cancellationToken).ConfigureAwait(false);
            return list.Ports.Any(p => p.Mac == mac && p.State.ToString() == state);
        }, $"{vm.Name}'s port at {agent.Address} to be {state}", TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
    }

    internal static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
