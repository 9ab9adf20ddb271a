using System.Net.Sockets;
using Nvo3.Migration;
using Nvo3.Nve.Agent;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

/// <summary>
/// A task that moves to a fresh namespace on the destination server with its established TCP
/// connections (draft 4.2.1's connection migration, on TCP_REPAIR): prepare makes the new
/// namespace (silent: no announcements until the connections are back) and its TAP at the
/// destination; at the switchover the task hands over its sockets, the source pauses (late
/// segments are forwarded) or stops taking them (dropped), each connection is frozen, packaged,
/// and restored in the new namespace, and the task announces itself there.
/// </summary>
internal sealed class TaskDriver(LabVm task, string newNetns, Func<Task<IReadOnlyList<Socket>>> quiesce, PortAgentClient sourceAgent, PortAgentClient destinationAgent,
    LabHost destination, Action<string> addNamespace) : IWorkloadDriver
{
    /// <summary>The connections as they were frozen.</summary>
    public List<TcpConnectionState> States { get; } = [];

    /// <summary>The bytes of their packages.</summary>
    public int PackagedBytes { get; private set; }

    /// <summary>The restored sockets, in the order the task handed them over.</summary>
    public List<Socket> Restored { get; } = [];

    /// <inheritdoc />
    public string Kind => "task";

    /// <inheritdoc />
    public async Task PrepareAsync(Move move, CancellationToken cancellationToken)
    {
        // The new place: same MAC and addresses, up (the restore needs a route to the peer) but
        // silent (no arp_notify, no ndisc_notify), so the destination NVE keeps holding until the
        // connections are back.
        addNamespace(newNetns);
        Sysctl.Set(newNetns,
            ("net.ipv4.conf.all.arp_notify", "0"), ("net.ipv4.conf.default.arp_notify", "0"),
            ("net.ipv6.conf.all.ndisc_notify", "0"), ("net.ipv6.conf.default.ndisc_notify", "0"),
            ("net.ipv6.conf.all.accept_dad", "0"), ("net.ipv6.conf.default.accept_dad", "0"));
        await destinationAgent.AttachTapAsync(task.Name, move.Request.Vni, move.Request.Mac, cancellationToken).ConfigureAwait(false);
        NetnsLab.PlugTap(destination, task with { Netns = newNetns }, task.Name);
    }

    /// <inheritdoc />
    public async Task<MigrationResult> TransferAsync(Move move, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        var connections = await quiesce().ConfigureAwait(false);
        long paused = move.Time.GetTimestamp();
        await move.PauseAsync(cancellationToken).ConfigureAwait(false);
        if (!move.Request.Redirects)
        {
            await sourceAgent.DetachAsync(move.Request.Vni, move.Request.Mac, cancellationToken).ConfigureAwait(false);
        }
        // Nothing reaches the old kernel any more: freeze, package, and close silently (repair mode).
        var packages = new List<byte[]>();
        foreach (var connection in connections)
        {
            var state = TcpRepair.Freeze(connection);
            States.Add(state);
            packages.Add(state.ToBytes());
            connection.Dispose();
        }
        PackagedBytes = packages.Sum(p => p.Length);
        if (move.Request.Redirects)
        {
            await sourceAgent.DetachAsync(move.Request.Vni, move.Request.Mac, cancellationToken).ConfigureAwait(false);
        }
        foreach (var package in packages)
        {
            if (!TcpConnectionState.TryParse(package, out var state, out var error))
            {
                throw new InvalidDataException($"A connection package did not survive the trip: {error}.");
            }
            Restored.Add(TcpRepair.Restore(state!, newNetns));
        }
        move.MarkRunning();
        Announce(newNetns, move.Request.Mac, IpAddr.Parse(task.Ipv4));
        return MigrationResult.Stateless(task.Name, move.Request.Mode, move.Time.GetElapsedTime(paused));
    }

    /// <inheritdoc />
    public Task AbortAsync(Move move, string reason, CancellationToken cancellationToken)
    {
        // Before its sockets were handed over the task never stopped: only the new namespace goes.
        HostCommand.TryRun("ip", "netns", "del", newNetns);
        return Task.CompletedTask;
    }

    // The task's own announcement at its new place: a gratuitous ARP out of its eth0.
    private static void Announce(string netns, MacAddress mac, IpAddr ipv4)
    {
        var frame = new byte[64];
        int length = ArpWriter.WriteGratuitousFrame(frame, mac, ipv4);
        NetworkNamespace.Run(netns, () => PacketSocket.Send("eth0", frame.AsSpan(0, length)));
    }
}
