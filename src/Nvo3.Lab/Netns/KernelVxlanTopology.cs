namespace Nvo3.Lab.Netns;

/// <summary>
/// The netns lab's topology with the kernel doing the overlay: two servers joined by the same
/// underlay bridge, each with a vxlan device (VNI 100) bridged to a veth into its VM's namespace,
/// the FDB written statically (each VM's MAC to its server, flood to the other). No NVA, no NVE:
/// the baseline <c>nvo3 bench netns</c> compares Nvo3 with.
/// </summary>
public static class KernelVxlanTopology
{
    /// <summary>Builds it under <paramref name="prefix"/>; returns the two VMs' namespaces. <see cref="NetnsLab.Down"/> removes it.</summary>
    public static (string Vm1, string Vm2) Up(string prefix)
    {
        int net = NetnsLab.UnderlayNetFor(prefix);
        string ul = $"{prefix}-ul";
        HostCommand.Ip("netns", "add", ul);
        HostCommand.IpBatch(ul, ["link set lo up", "link add br0 type bridge", "link set br0 up"]);
        for (int i = 1; i <= 2; i++)
        {
            string server = $"{prefix}-h{i}", vm = $"{prefix}-vm{i}";
            int other = 3 - i;
            HostCommand.Ip("netns", "add", server);
            HostCommand.Ip("netns", "add", vm);
            HostCommand.Ip("-n", ul, "link", "add", $"h{i}", "type", "veth", "peer", "name", "ul0", "netns", server);
            HostCommand.IpBatch(ul, [$"link set h{i} mtu 9000 master br0 up"]);
            HostCommand.Ip("-n", server, "link", "add", "vm0", "type", "veth", "peer", "name", "eth0", "netns", vm);
            HostCommand.IpBatch(server,
            [
                "link set lo up",
                $"addr add 198.18.{net}.{i}/24 dev ul0",
                "link set ul0 mtu 9000 up",
                $"link add vxlan0 type vxlan id {NetnsLab.Vni} local 198.18.{net}.{i} dstport 4789 nolearning dev ul0",
                "link set vxlan0 mtu 1500",
                "link add br0 type bridge",
                "link set vxlan0 master br0",
                "link set vm0 master br0",
                "link set vxlan0 up",
                "link set vm0 up",
                "link set br0 up",
            ]);
            HostCommand.Run("bridge", "-n", server, "fdb", "append", "00:00:00:00:00:00", "dev", "vxlan0", "dst", $"198.18.{net}.{other}", "self", "permanent");
            HostCommand.Run("bridge", "-n", server, "fdb", "replace", NetnsLab.VmMac(other).ToString(), "dev", "vxlan0", "dst", $"198.18.{net}.{other}", "self", "permanent");
            HostCommand.IpBatch(vm,
            [
                "link set lo up",
                $"link set eth0 address {NetnsLab.VmMac(i)}",
                $"addr add {NetnsLab.VmIpv4(i)}/24 dev eth0",
                "link set eth0 up",
                $"addr add {NetnsLab.VmIpv6(i)}/64 dev eth0 nodad",
            ]);
        }
        return ($"{prefix}-vm1", $"{prefix}-vm2");
    }
}
