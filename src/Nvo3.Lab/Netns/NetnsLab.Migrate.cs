using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Nve.Agent;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

public sealed partial class NetnsLab
{
    /// <summary>
    /// Moves <paramref name="vmName"/> to server <paramref name="to"/>. The VM's namespace stays (its
    /// kernel stack and sockets stand for the memory a hot migration carries); its interface is
    /// re-created under the destination NVE with the same MAC and addresses:
    /// begin in the NVA (the destination pre-associates), attach a TAP at the destination (Pending),
    /// pause at the source (hot: packets in flight go to the destination, which holds them), swap the
    /// interface, resume (the kernel's gratuitous ARP and unsolicited NA activate it, the held packets
    /// are delivered), commit. Cold skips the pause: what reaches the source meanwhile is dropped.
    /// </summary>
    public async Task<MoveReport> MigrateAsync(string vmName, string to, string mode = "hot", CancellationToken cancellationToken = default)
    {
        if (mode is not ("hot" or "cold"))
        {
            throw new ArgumentException($"--mode is hot or cold, not '{mode}'.");
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
        var source = Host(from);
        var started = Stopwatch.GetTimestamp();

        var migration = await Nva.BeginMigrationAsync(new BeginMigrationRequest(vm.Name, 0, default, to, mode == "hot" ? MigrationMode.Hot : MigrationMode.Cold), cancellationToken).ConfigureAwait(false);
        using var sourceAgent = Agent(source);
        using var destinationAgent = Agent(destination);
        try
        {
            // The new interface waits in the VM's namespace, down, under a temporary name.
            string tap = "n3new";
            await destinationAgent.AttachTapAsync(tap, Vni, mac, cancellationToken).ConfigureAwait(false);
            HostCommand.Ip("-n", destination.Netns, "link", "set", tap, "netns", vm.Netns);
            await WaitForPortAsync(destinationAgent, vm, "Pending", cancellationToken).ConfigureAwait(false);

            long paused = Stopwatch.GetTimestamp();
            string? redirect = null;
            if (mode == "hot")
            {
                redirect = await sourceAgent.PauseAsync(Vni, mac, cancellationToken).ConfigureAwait(false);
                await Nva.PauseMigrationAsync(migration.Id, cancellationToken).ConfigureAwait(false);
            }
            // The old interface goes with the source's port; the new one takes its name and addresses.
            await sourceAgent.DetachAsync(Vni, mac, cancellationToken).ConfigureAwait(false);
            HostCommand.IpBatch(vm.Netns,
            [
                $"link set {tap} name eth0",
                $"addr add {vm.Ipv4}/24 dev eth0",
                "link set eth0 up",
                $"addr add {vm.Ipv6}/64 dev eth0 nodad",
            ]);
            long resumed = Stopwatch.GetTimestamp();
            await destinationAgent.ResumeAsync(Vni, mac, cancellationToken).ConfigureAwait(false);
            await WaitForPortAsync(destinationAgent, vm, "Active", cancellationToken).ConfigureAwait(false);
            long active = Stopwatch.GetTimestamp();

            await WaitAsync(async () => (await Nva.GetMigrationAsync(migration.Id, cancellationToken).ConfigureAwait(false)).Phase == MigrationPhase.Activated,
                $"the NVA to record {vm.Name} active at {to}", TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            await Nva.CommitMigrationAsync(migration.Id, cancellationToken).ConfigureAwait(false);
            vm.CurrentHost = to;
            State.Save();
            return new MoveReport(vm.Name, from, to, mode, migration.Id, Stopwatch.GetElapsedTime(paused, resumed).TotalMilliseconds,
                Stopwatch.GetElapsedTime(resumed, active).TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds, redirect);
        }
        catch (Exception ex) when (ex is PortAgentException or IOException or TimeoutException)
        {
            try
            {
                await Nva.AbortMigrationAsync(migration.Id, ex.Message, CancellationToken.None).ConfigureAwait(false);
                // Given up before the switchover: the VM stays at the source; drop the half-made port.
                await destinationAgent.DetachAsync(Vni, mac, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception cleanup) when (cleanup is NvaException or PortAgentException)
            {
                // Past the switchover the destination is authoritative (and keeps its port), or
                // there was no port yet; the error below says what failed.
            }
            throw;
        }
    }
}
