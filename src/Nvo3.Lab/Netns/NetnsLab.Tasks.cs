using System.Net.Sockets;
using Nvo3.Migration;
using Nvo3.Nva;
using Nvo3.Lab.Linux;
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
        var destination = Host(to);
        string oldNetns = task.Netns;
        string newNetns = $"{State.Prefix}-{name}-{to}";
        using var sourceAgent = Agent(Host(from));
        using var destinationAgent = Agent(destination);
        var request = new MoveRequest(name, Vni, MacAddress.Parse(task.Mac), [IpAddr.Parse(task.Ipv4), IpAddr.Parse(task.Ipv6)], MigrationMode.Hot)
        {
            Redirects = policy == LateSegmentPolicy.Forward,
        };
        var move = new Move(Nva, request, new AgentControl(from, sourceAgent), new AgentControl(to, destinationAgent), logger: _logger);
        var driver = new TaskDriver(task, newNetns, quiesce, sourceAgent, destinationAgent, destination, AddNamespace);
        var report = await move.RunAsync(driver, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (report.Outcome != MigrationOutcome.Completed)
        {
            throw new IOException($"The move of task {name} to {to} was given up: {report.Reason}");
        }
        HostCommand.TryRun("ip", "netns", "del", oldNetns);
        State.Tasks[State.Tasks.IndexOf(task)] = task with { Netns = newNetns, CurrentHost = to };
        State.Save();
        return (driver.Restored, new TaskMoveReport(name, from, to, policy, driver.States.Count, driver.PackagedBytes,
            report.SwitchoverMs, report.ActivationMs, report.TotalMs, driver.States));
    }
}
