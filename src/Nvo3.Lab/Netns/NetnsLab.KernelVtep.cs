using Nvo3.Nva;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Lab.Netns;

public sealed partial class NetnsLab
{
    /// <summary>The kernel VTEP server's name (and its NVE's name in the directory).</summary>
    public const string KernelVtepName = "kv";

    // One more server whose VTEP is the kernel's vxlan device: vxlan0 and a veth to the VM in a
    // bridge, the VM a namespace with the kernel's stack like the others. The NVA knows it as an
    // external NVE with a static binding; a helper process programs its FDB from the directory.
    private async Task AddKernelVtepAsync(TextWriter progress, CancellationToken cancellationToken)
    {
        var host = AddServerNamespace(KernelVtepName, 100, "kernel");
        HostCommand.IpBatch(host.Netns,
        [
            $"link add vxlan0 type vxlan id {Vni} local {host.Underlay} dstport 4789 nolearning dev ul0",
            "link set vxlan0 mtu 1500",
            "link add br0 type bridge",
            "link set vxlan0 master br0",
            "link set vxlan0 up",
            "link set br0 up",
        ]);
        var vm = AddVmNamespace($"k{KernelVmNumber}", KernelVmNumber, KernelVtepName);
        HostCommand.Ip("-n", host.Netns, "link", "add", "vm0", "type", "veth", "peer", "name", "eth0", "netns", vm.Netns);
        HostCommand.IpBatch(host.Netns, ["link set vm0 master br0", "link set vm0 up"]);
        // A veth hands TCP over with the checksum left to the "hardware" (CHECKSUM_PARTIAL); the
        // kernel's vxlan carries it so, and an NVE that reads the inner frame as bytes would write
        // it to a TAP with a wrong checksum. A real NIC finishes the checksum; here the VM's
        // kernel must.
        NetworkNamespace.Run(vm.Netns, () => Ethtool.SetTxChecksum("eth0", on: false));
        HostCommand.IpBatch(vm.Netns,
        [
            $"link set eth0 address {vm.Mac}",
            $"addr add {vm.Ipv4}/24 dev eth0",
            "link set eth0 up",
            $"addr add {vm.Ipv6}/64 dev eth0 nodad",
        ]);
        await Nva.AddNveAsync(KernelVtepName, [new UnderlayEndpoint(IpAddr.Parse(host.Underlay))], cancellationToken: cancellationToken).ConfigureAwait(false);
        await Nva.AttachAsync(new AttachRequest(Vni, MacAddress.Parse(vm.Mac), [IpAddr.Parse(vm.Ipv4), IpAddr.Parse(vm.Ipv6)], KernelVtepName, vm.Name), cancellationToken).ConfigureAwait(false);

        string log = Path.Combine(State.StateDirectory, "kv-fdb.log");
        int pid = LabProcess.Start([.. Nvo3Command, "lab", "netns", "vtep-sync", "--nva", State.Nva!.Address!, "--nve", KernelVtepName,
            "--netns", host.Netns, "--device", "vxlan0", "--vni", Number((int)Vni)], null, log);
        var sync = new LabProcessRecord("kv-fdb", pid, log);
        State.Helpers.Add(sync);
        State.Save();
        // Ready when the table has an entry for every NVE (flood) and for every VM behind them.
        int expected = State.Vms.Count(v => v.Host != KernelVtepName);
        await WaitAsync(() =>
        {
            ThrowIfExited(sync);
            var fdb = HostCommand.TryRun("bridge", "-n", host.Netns, "fdb", "show", "dev", "vxlan0").Stdout;
            int unicast = fdb.Split('\n').Count(l => l.Contains(" dst ", StringComparison.Ordinal) && !l.StartsWith("00:00:00:00:00:00", StringComparison.Ordinal));
            return Task.FromResult(unicast >= expected);
        }, "the kernel VTEP's FDB to be programmed", TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
        progress.WriteLine($"{KernelVtepName}: kernel vxlan0 (VNI {Vni}) in {host.Netns}, underlay {host.Underlay}, FDB from the NVA (pid {pid})");
        progress.WriteLine($"{vm.Name}: {vm.Netns} eth0 {vm.Mac} {vm.Ipv4} {vm.Ipv6}, behind the kernel VTEP");
    }
}
