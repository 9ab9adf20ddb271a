using System.Diagnostics;
using Nvo3.Packets;
using Nvo3.Qemu.Image;
using Nvo3.Qemu.Vm;

namespace Nvo3.Qemu.Tests;

/// <summary>The parts of the image and the command line that need no guest: arguments, kernel choice, ELF checks, the UDP echo program.</summary>
public class GuestPiecesTests
{
    [Fact]
    public void ToKernelCommandLine_Addresses_OurKeysAfterTheConsole()
    {
        var boot = new GuestBootArguments { Ipv4 = "10.0.0.5/24", Ipv6 = "fd00:100::5/64", Gateway4 = "10.0.0.1", Gateway6 = "fd00:100::1", DiskRecords = 3 };

        Assert.Equal("console=ttyS0 quiet panic=-1 nvo3.ip=10.0.0.5/24 nvo3.ip6=fd00:100::5/64 nvo3.gw=10.0.0.1 nvo3.gw6=fd00:100::1 nvo3.disk-records=3", boot.ToKernelCommandLine());
    }

    [Fact]
    public void ToKernelCommandLine_ValueWithASpace_Refused()
    {
        Assert.Throws<ArgumentException>(() => new GuestBootArguments { Ipv4 = "10.0.0.5/24 init=/bin/sh" }.ToKernelCommandLine());
    }

    [Fact]
    public void Build_SourceAndDestination_SameDevicesInTheSameOrder()
    {
        var image = new GuestImage("/i", "/i/vmlinuz", "/i/initramfs.cpio.gz", "6.1", "BusyBox", "00", Built: false);
        var source = new QemuVmOptions { Name = "vm1", Image = image, Mac = MacAddress.Parse("02:00:00:00:00:01"), TapName = "tap-a", DiskPath = "/d/a,b.img" };
        var destination = source with { TapName = "tap-b", DiskPath = "/d/c.img", Incoming = true };

        var a = QemuCommandLine.Build(source, "/run/x", QemuAccelerator.Tcg);
        var b = QemuCommandLine.Build(destination, "/run/y", QemuAccelerator.Tcg);

        static IEnumerable<string> Devices(IReadOnlyList<string> args) => args.Where((_, i) => i > 0 && args[i - 1] == "-device");
        Assert.Equal(Devices(a), Devices(b));
        Assert.Contains("virtio-net-pci,netdev=net0,mac=02:00:00:00:00:01,id=nic0", a);
        Assert.Contains("tap,id=net0,ifname=tap-a,script=no,downscript=no", a);
        Assert.Contains("driver=file,filename=/d/a,,b.img,node-name=disk0-file", a); // a comma in a path is doubled
        Assert.Equal(["-accel", "tcg"], a.SkipWhile(x => x != "-accel").Take(2));
        Assert.DoesNotContain("-incoming", a);
        Assert.Equal(["-incoming", "defer"], b.SkipWhile(x => x != "-incoming").Take(2));
        Assert.DoesNotContain("-cpu", a); // QEMU's default model on both sides: -cpu host would break migration
    }

    [Theory]
    [InlineData("6.1.0-10-cloud-amd64", "6.1.0-57-cloud-amd64")]
    [InlineData("6.1.0-57-cloud-amd64", "6.10.0-1-cloud-amd64")]
    [InlineData("5.10.0-9-amd64", "5.10.0-30-amd64")]
    public void KernelVersionComparer_NumbersNotText(string older, string newer)
    {
        Assert.True(KernelVersionComparer.Instance.Compare(older, newer) < 0);
        Assert.True(KernelVersionComparer.Instance.Compare(newer, older) > 0);
    }

    [Fact]
    public void Find_SeveralKernels_NewestCloudKernelWithModules()
    {
        using var root = new TemporaryDirectory();
        foreach (string version in (string[])["6.1.0-10-cloud-amd64", "6.1.0-57-cloud-amd64", "6.5.0-1-amd64", "6.9.0-1-cloud-amd64"])
        {
            Directory.CreateDirectory(Path.Combine(root.Path, "boot"));
            File.WriteAllText(Path.Combine(root.Path, "boot", "vmlinuz-" + version), "");
            if (version != "6.9.0-1-cloud-amd64")
            {
                Directory.CreateDirectory(Path.Combine(root.Path, "lib", "modules", version)); // 6.9's modules are missing
            }
        }

        var kernel = GuestKernel.Find(root.Path);

        Assert.Equal("6.1.0-57-cloud-amd64", kernel.Version);
        Assert.Equal("6.5.0-1-amd64", GuestKernel.Find(root.Path, "6.5.0-1-amd64").Version);
        Assert.Throws<FileNotFoundException>(() => GuestKernel.Find(root.Path, "6.9.0-1-cloud-amd64"));
    }

    [Fact]
    public void FindModules_CompressedAndBuiltIn_InLoadOrder()
    {
        using var root = new TemporaryDirectory();
        string modules = Path.Combine(root.Path, "lib", "modules", "6.1.0-1-cloud-amd64");
        string drivers = Path.Combine(modules, "kernel", "drivers");
        Directory.CreateDirectory(drivers);
        foreach (string name in GuestKernel.VirtioModules.Where(m => m != "virtio"))
        {
            File.WriteAllText(Path.Combine(drivers, name + (name == "virtio_net" ? ".ko.xz" : ".ko")), "");
        }
        File.WriteAllText(Path.Combine(modules, "modules.builtin"), "kernel/drivers/virtio/virtio.ko\n");
        var kernel = new GuestKernel("6.1.0-1-cloud-amd64", "/none", modules);

        var found = kernel.FindModules();

        Assert.Equal(GuestKernel.VirtioModules.Where(m => m != "virtio"), found.Select(f => Path.GetFileName(f).Split('.')[0]));
        Assert.EndsWith("virtio_net.ko.xz", found.Single(f => f.Contains("virtio_net", StringComparison.Ordinal)), StringComparison.Ordinal);
        File.Delete(Path.Combine(modules, "modules.builtin"));
        Assert.Throws<FileNotFoundException>(kernel.FindModules);
    }

    [Fact]
    public void IsStatic_EchoProgramAndBusybox_TrueForThemFalseForADynamicProgram()
    {
        Assert.True(ElfHeader.IsStatic(UdpEchoProgram.Build()));
        Assert.Equal(306, UdpEchoProgram.Build().Length);
        Assert.False(ElfHeader.IsStatic("#!/bin/sh\n"u8));
        Assert.False(ElfHeader.IsStatic(File.ReadAllBytes("/bin/ls")));
        if (File.Exists("/bin/busybox"))
        {
            Assert.True(ElfHeader.IsStatic(File.ReadAllBytes("/bin/busybox")));
        }
    }

    [Fact]
    public async Task UdpEchoProgram_OnThisKernel_EchoesIpv4AndIpv6()
    {
        Machine.RequireRootQemu();
        using var files = new TemporaryDirectory();
        string program = Path.Combine(files.Path, "udp-echo");
        await File.WriteAllBytesAsync(program, UdpEchoProgram.Build());
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        using var net = new TestNetwork();
        string ns = net.AddNamespace("echo");
        using var echo = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns, program]))!;
        try
        {
            Assert.Equal("over v4", Echo.Udp(ns, "127.0.0.1", "over v4"));
            Assert.Equal("over v6", Echo.Udp(ns, "::1", "over v6"));
            Assert.False(echo.HasExited);
        }
        finally
        {
            echo.Kill();
            await echo.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task QemuDisk_CreateAndCompare_SameUntilOneChanges()
    {
        Machine.RequireQemu();
        Assert.SkipUnless(File.Exists("/usr/bin/qemu-img"), "needs qemu-img: ./test.sh installs qemu-utils.");
        using var files = new TemporaryDirectory();
        string qcow2 = Path.Combine(files.Path, "a.qcow2"), raw = Path.Combine(files.Path, "b.raw");

        await QemuDisk.CreateAsync(qcow2, 4);
        await QemuDisk.CreateAsync(raw, 4, "raw");

        Assert.Equal(4 << 20, new FileInfo(raw).Length);
        Assert.True(await QemuDisk.SameContentsAsync(qcow2, raw));
        await using (var file = File.OpenWrite(raw))
        {
            file.Position = 12345;
            file.WriteByte(1);
        }
        Assert.False(await QemuDisk.SameContentsAsync(qcow2, raw));
        await Assert.ThrowsAsync<ArgumentException>(() => QemuDisk.CreateAsync(raw, 4, "vmdk"));
    }

    [Fact]
    public async Task ProbeKvmAsync_NoUsableKvmDevice_FalseSoTcgIsUsed()
    {
        Machine.RequireQemu();
        Assert.SkipWhen(File.Exists("/dev/kvm"), "this machine has /dev/kvm: the probe would boot a KVM guest instead.");

        Assert.False(await QemuAccelerators.ProbeKvmAsync(await TestImage.GetAsync(), TimeSpan.FromSeconds(5)));
        if (Environment.GetEnvironmentVariable(QemuAccelerators.Variable) is null)
        {
            Assert.Equal(QemuAccelerator.Tcg, QemuAccelerators.Default()); // TCG unless asked
        }
    }
}
