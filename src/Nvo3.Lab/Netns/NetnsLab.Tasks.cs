using System.Diagnostics;
using System.Net.Sockets;
using Nvo3.Nva;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

public sealed partial class NetnsLab
{
    /// <summary>
    /// Starts a task: a namespace PREFIX-NAME-HOST whose eth0 is a TAP of <paramref name="host"/>'s
    /// NVE, with address number <paramref name="number"/> (10.100.0.n, fd00:100::n). Unlike a VM, a
    /// task moves to a fresh namespace on the destination server and takes its TCP connections
    /// with it (<see cref="MoveTaskAsync"/>).
    /// </summary>
    public async Task<LabVm> AddTaskAsync(string name, int number, string host, CancellationToken cancellationToken = default)
    {
        var server = Host(host);
        string netns = $"{State.Prefix}-{name}-{host}";
        AddNamespace(netns);
        Sysctl.Set(netns, s_vmSysctls);
        var task = new LabVm(name, netns, host, VmMac(number).ToString(), VmIpv4(number), VmIpv6(number)) { CurrentHost = host };
        State.Tasks.Add(task);
        State.Save();
        await Nva.AttachAsync(new AttachRequest(Vni, MacAddress.Parse(task.Mac), [IpAddr.Parse(task.Ipv4), IpAddr.Parse(task.Ipv6)], host, name), cancellationToken).ConfigureAwait(false);
        using var agent = Agent(server);
        await agent.AttachTapAsync(name, Vni, MacAddress.Parse(task.Mac), cancellationToken).ConfigureAwait(false);
        PlugTap(server, task, name);
        await WaitForPortAsync(agent, task, "Active", cancellationToken).ConfigureAwait(false);
        return task;
    }

    /// <summary>The namespace task <paramref name="name"/> runs in now.</summary>
    public string TaskNetns(string name) => FindTask(name).Netns;

    private LabVm FindTask(string name) => State.Tasks.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"No task '{name}' in lab {State.Prefix}.");

    /// <summary>
    /// Moves task <paramref name="name"/> to server <paramref name="to"/> with its established TCP
    /// connections: once the new place is ready, <paramref name="quiesce"/> stops the task and hands
    /// over the sockets it no longer uses (the task's pause); the address goes to a new
    /// namespace behind the destination NVE (Associated, not yet announced); the old port pauses
    /// (<see cref="LateSegmentPolicy.Forward"/>: late segments go to the destination and wait there)
    /// or is removed (<see cref="LateSegmentPolicy.Drop"/>); each connection is frozen with
    /// TCP_REPAIR, packaged, and restored in the new namespace by a thread that entered it; then the
    /// task announces itself (a gratuitous ARP), the destination NVE activates and delivers what it
    /// held, and the migration commits. Returns the restored sockets, in the same order.
    /// </summary>
    public async Task<(IReadOnlyList<Socket> Sockets, TaskMoveReport Report)> MoveTaskAsync(string name, string to, Func<Task<IReadOnlyList<Socket>>> quiesce,
        LateSegmentPolicy policy = LateSegmentPolicy.Forward, CancellationToken cancellationToken = default)
    {
        var task = FindTask(name);
        string from = task.CurrentHost ?? task.Host;
        if (from == to)
        {
            throw new ArgumentException($"Task {name} is at {to} already.");
        }
        var source = Host(from);
        var destination = Host(to);
        var mac = MacAddress.Parse(task.Mac);
        string oldNetns = task.Netns;
        string newNetns = $"{State.Prefix}-{name}-{to}";
        long started = Stopwatch.GetTimestamp();
        var migration = await Nva.BeginMigrationAsync(new BeginMigrationRequest(name, 0, default, to, MigrationMode.Hot), cancellationToken).ConfigureAwait(false);
        using var sourceAgent = Agent(source);
        using var destinationAgent = Agent(destination);

        // The new place: same MAC and addresses, up (the restore needs a route to the peer) but
        // silent (no arp_notify, no ndisc_notify), so the destination NVE keeps holding until the
        // connections are back.
        AddNamespace(newNetns);
        Sysctl.Set(newNetns,
            ("net.ipv4.conf.all.arp_notify", "0"), ("net.ipv4.conf.default.arp_notify", "0"),
            ("net.ipv6.conf.all.ndisc_notify", "0"), ("net.ipv6.conf.default.ndisc_notify", "0"),
            ("net.ipv6.conf.all.accept_dad", "0"), ("net.ipv6.conf.default.accept_dad", "0"));
        await destinationAgent.AttachTapAsync(name, Vni, mac, cancellationToken).ConfigureAwait(false);
        PlugTap(destination, task with { Netns = newNetns }, name);
        await WaitForPortAsync(destinationAgent, task, "Pending", cancellationToken).ConfigureAwait(false);

        var connections = await quiesce().ConfigureAwait(false);
        long paused = Stopwatch.GetTimestamp();
        if (policy == LateSegmentPolicy.Forward)
        {
            await sourceAgent.PauseAsync(Vni, mac, cancellationToken).ConfigureAwait(false);
            await Nva.PauseMigrationAsync(migration.Id, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await sourceAgent.DetachAsync(Vni, mac, cancellationToken).ConfigureAwait(false);
        }
        // Nothing reaches the old kernel any more: freeze, package, and close silently (repair mode).
        var packages = new List<byte[]>();
        var states = new List<TcpConnectionState>();
        foreach (var connection in connections)
        {
            var state = TcpRepair.Freeze(connection);
            states.Add(state);
            packages.Add(state.ToBytes());
            connection.Dispose();
        }
        if (policy == LateSegmentPolicy.Forward)
        {
            await sourceAgent.DetachAsync(Vni, mac, cancellationToken).ConfigureAwait(false);
        }
        var restored = new List<Socket>();
        foreach (var package in packages)
        {
            if (!TcpConnectionState.TryParse(package, out var state, out var error))
            {
                throw new InvalidDataException($"A connection package did not survive the trip: {error}.");
            }
            restored.Add(TcpRepair.Restore(state!, newNetns));
        }
        long running = Stopwatch.GetTimestamp();
        await destinationAgent.ResumeAsync(Vni, mac, cancellationToken).ConfigureAwait(false);
        Announce(newNetns, mac, IpAddr.Parse(task.Ipv4));
        await WaitForPortAsync(destinationAgent, task, "Active", cancellationToken).ConfigureAwait(false);
        long active = Stopwatch.GetTimestamp();

        await WaitAsync(async () => (await Nva.GetMigrationAsync(migration.Id, cancellationToken).ConfigureAwait(false)).Phase == MigrationPhase.Activated,
            $"the NVA to record {name} active at {to}", TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        await Nva.CommitMigrationAsync(migration.Id, cancellationToken).ConfigureAwait(false);
        HostCommand.TryRun("ip", "netns", "del", oldNetns);
        State.Tasks[State.Tasks.IndexOf(task)] = task with { Netns = newNetns, CurrentHost = to };
        State.Save();
        var report = new TaskMoveReport(name, from, to, policy, states.Count, packages.Sum(p => p.Length),
            Stopwatch.GetElapsedTime(paused, running).TotalMilliseconds, Stopwatch.GetElapsedTime(running, active).TotalMilliseconds,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds, states);
        return (restored, report);
    }

    // The task's own announcement at its new place: a gratuitous ARP out of its eth0.
    private static void Announce(string netns, MacAddress mac, IpAddr ipv4)
    {
        var frame = new byte[64];
        int length = ArpWriter.WriteGratuitousFrame(frame, mac, ipv4);
        NetworkNamespace.Run(netns, () => PacketSocket.Send("eth0", frame.AsSpan(0, length)));
    }
}
