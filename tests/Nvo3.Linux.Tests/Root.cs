using Nvo3.Lab.Netns;

namespace Nvo3.Linux.Tests;

/// <summary>What these tests need from the machine, and a skip that names what is missing.</summary>
internal static class Root
{
    /// <summary>Skips unless root (namespaces, TAP devices, veth and vxlan need CAP_NET_ADMIN and CAP_SYS_ADMIN).</summary>
    public static void Require()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root: it creates network namespaces, TAP, veth and vxlan devices (CI runs as root).");
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/dev/net/tun"), "needs Linux with /dev/net/tun (the tun module).");
        Assert.SkipUnless(HostCommand.TryRun("ip", "-V").Ok, "needs iproute2 (ip): ./test.sh installs it.");
    }

    /// <summary>Skips unless <paramref name="tool"/> runs (with <paramref name="versionArgument"/>).</summary>
    public static void RequireTool(string tool, string versionArgument, string package)
    {
        bool present;
        try
        {
            present = HostCommand.TryRun(tool, versionArgument).ExitCode is 0 or 1 or 2;
        }
        catch (IOException)
        {
            present = false;
        }
        Assert.SkipUnless(present, $"needs {tool}: ./test.sh installs it (apt-get install {package}).");
    }

    /// <summary>A prefix no other test or lab uses: n3t-XXXX-.</summary>
    public static string UniquePrefix() => $"n3t{Random.Shared.Next(0x10000):x4}";
}
