namespace Nvo3.Qemu.Tests;

/// <summary>What these tests need from the machine, and a skip that names what is missing.</summary>
internal static class Machine
{
    /// <summary>Skips unless a guest kernel and a static busybox are installed.</summary>
    public static void RequireGuestPackages()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Directory.Exists("/boot") && Directory.EnumerateFiles("/boot", "vmlinuz-*").Any(),
            "needs a guest kernel: ./test.sh installs linux-image-cloud-amd64.");
        Assert.SkipUnless(File.Exists("/bin/busybox"), "needs /bin/busybox: ./test.sh installs busybox-static.");
    }

    /// <summary>Skips unless QEMU and the guest packages are installed.</summary>
    public static void RequireQemu()
    {
        RequireGuestPackages();
        Assert.SkipUnless(File.Exists("/usr/bin/qemu-system-x86_64") || File.Exists("/usr/local/bin/qemu-system-x86_64"),
            "needs qemu-system-x86_64: ./test.sh installs qemu-system-x86.");
    }

    /// <summary>Skips unless root with TAP devices and iproute2: the guests' NICs are TAPs in namespaces the test makes.</summary>
    public static void RequireRootQemu()
    {
        RequireQemu();
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root: it creates network namespaces and TAP devices for the guests (CI runs as root).");
        Assert.SkipUnless(File.Exists("/dev/net/tun"), "needs /dev/net/tun (the tun module).");
    }
}
