using Nvo3.Migration;
using Nvo3.Nve.Agent;

namespace Nvo3.Lab.Netns;

/// <summary>
/// The netns lab's VMs: a VM's namespace stays (its kernel stack and sockets stand for the memory a
/// hot migration carries) and its interface is re-created under the destination NVE with the same
/// MAC and addresses. Prepare attaches a TAP at the destination and puts it, down and under a
/// temporary name, in the VM's namespace; the switchover pauses the source, removes the old
/// interface and brings the new one up as eth0; the kernel's gratuitous ARP and unsolicited NA
/// then activate it.
/// </summary>
internal sealed class InterfaceSwapDriver(LabVm vm, PortAgentClient sourceAgent, PortAgentClient destinationAgent, LabHost destination) : IWorkloadDriver
{
    private const string Arriving = "n3new";

    /// <inheritdoc />
    public string Kind => "netns";

    /// <inheritdoc />
    public async Task PrepareAsync(Move move, CancellationToken cancellationToken)
    {
        await destinationAgent.AttachTapAsync(Arriving, move.Request.Vni, move.Request.Mac, cancellationToken).ConfigureAwait(false);
        HostCommand.Ip("-n", destination.Netns, "link", "set", Arriving, "netns", vm.Netns);
    }

    /// <inheritdoc />
    public async Task<MigrationResult> TransferAsync(Move move, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        long paused = move.Time.GetTimestamp();
        await move.PauseAsync(cancellationToken).ConfigureAwait(false);
        // The old interface goes with the source's port; the new one takes its name and addresses.
        await sourceAgent.DetachAsync(move.Request.Vni, move.Request.Mac, cancellationToken).ConfigureAwait(false);
        HostCommand.IpBatch(vm.Netns,
        [
            $"link set {Arriving} name eth0",
            $"addr add {vm.Ipv4}/24 dev eth0",
            "link set eth0 up",
            $"addr add {vm.Ipv6}/64 dev eth0 nodad",
        ]);
        move.MarkRunning();
        return MigrationResult.Stateless(vm.Name, move.Request.Mode, move.Time.GetElapsedTime(paused)); // the namespace stays: nothing to copy
    }

    /// <inheritdoc />
    public Task AbortAsync(Move move, string reason, CancellationToken cancellationToken) =>
        Task.CompletedTask; // the move detaches the half-made port; the VM's own interface was never touched
}
