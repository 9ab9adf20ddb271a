using Nvo3.Migration;
using Nvo3.Nva;
using Nvo3.Nve.Agent;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

public sealed partial class NetnsLab
{
    /// <summary>
    /// Moves <paramref name="vmName"/> to server <paramref name="to"/> with the one move
    /// orchestrator (<see cref="Move"/>) and the <see cref="InterfaceSwapDriver"/>: begin in the
    /// NVA, the destination's TAP waits Pending in the VM's namespace, the source pauses (hot:
    /// packets in flight go to the destination, which holds them; cold: they are dropped), the
    /// interface is swapped, the kernel's announcements activate it, the NVA commits.
    /// </summary>
    public async Task<MoveReport> MigrateAsync(string vmName, string to, MigrationMode mode = MigrationMode.Hot, CancellationToken cancellationToken = default) =>
        (await MoveAsync(vmName, to, mode, cancellationToken).ConfigureAwait(false)).Report;

    private async Task<(MoveReport Report, Move Move, MigrationResult? Transfer)> MoveAsync(string vmName, string to, MigrationMode mode, CancellationToken cancellationToken)
    {
        if (mode is not (MigrationMode.Hot or MigrationMode.Cold))
        {
            throw new ArgumentException($"A netns VM moves hot or cold, not {mode.ToString().ToLowerInvariant()}.");
        }
        var vm = Vm(vmName);
        var destination = Host(to);
        if (destination.Kind != "nvo3")
        {
            throw new ArgumentException($"Server {to}'s VTEP is the kernel's: VMs move between Nvo3 servers only.");
        }
        var mac = MacAddress.Parse(vm.Mac);
        var binding = await Nva.LookupByMacAsync(Vni, mac, cancellationToken: cancellationToken).ConfigureAwait(false);
        string from = binding.Host?.Name ?? throw new InvalidOperationException($"{vmName} is active nowhere; nothing to move.");
        if (from == to)
        {
            throw new ArgumentException($"{vmName} is at {to} already.");
        }
        using var sourceAgent = Agent(Host(from));
        using var destinationAgent = Agent(destination);
        var request = new MoveRequest(vm.Name, Vni, mac, [IpAddr.Parse(vm.Ipv4), IpAddr.Parse(vm.Ipv6)], mode);
        var move = new Move(Nva, request, new AgentControl(from, sourceAgent), new AgentControl(to, destinationAgent), logger: _logger);
        var report = await move.RunAsync(new InterfaceSwapDriver(vm, sourceAgent, destinationAgent, destination), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (report.Outcome != MigrationOutcome.Completed)
        {
            throw new IOException($"The move of {vmName} to {to} was given up: {report.Reason}");
        }
        vm.CurrentHost = to;
        State.Save();
        return (new MoveReport(vm.Name, from, to, mode.ToString().ToLowerInvariant(), report.MigrationId ?? "", report.SwitchoverMs, report.ActivationMs, report.TotalMs, report.RedirectTo),
            move, report.Transfer);
    }
}
