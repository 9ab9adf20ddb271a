using System.Diagnostics;
using Nvo3.Packets;
using Nvo3.Qemu.Image;
using Nvo3.Qemu.Qmp;
using Nvo3.Qemu.Vm;

namespace Nvo3.Qemu.Tests;

/// <summary>A real guest (TCG, 256 MiB) on a TAP in a namespace: it boots, answers ping and echoes; the VM owns and ends its QEMU.</summary>
public class QemuVmTests
{
    internal static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task StartAsync_GuestOnATapInANamespace_AnswersPingAndUdpAndTcpEcho()
    {
        Machine.RequireRootQemu();
        var image = await TestImage.GetAsync();
        using var net = new TestNetwork();
        string ns = net.AddNamespace("g");
        string tap = net.TapName("g");
        net.CreateTap(ns, tap, "10.77.0.1/24");
        TestNetwork.Ip("-n", ns, "addr", "add", "fd00:77::1/64", "dev", tap);
        long started = Stopwatch.GetTimestamp();

        await using var vm = await QemuVm.StartAsync(new QemuVmOptions
        {
            Name = net.Prefix + "-g",
            Image = image,
            Boot = new GuestBootArguments { Ipv4 = "10.77.0.5/24", Ipv6 = "fd00:77::5/64" },
            Mac = MacAddress.Parse("02:4e:33:00:00:05"),
            TapName = tap,
            Netns = ns,
            Accelerator = QemuAccelerator.Tcg,
        });
        using var boot = new CancellationTokenSource(BootTimeout);
        string ready = await vm.WaitForSerialAsync(GuestInit.ReadyMarker, boot.Token);
        var bootTime = Stopwatch.GetElapsedTime(started);
        TestContext.Current.SendDiagnosticMessage($"guest boot to {GuestInit.ReadyMarker}: {bootTime.TotalSeconds:0.00} s");

        Assert.Contains("mac=02:4e:33:00:00:05", ready, StringComparison.Ordinal);
        Assert.Equal(new QemuRunStatus(QemuRunStatus.RunningState, true), await vm.Qmp.QueryStatusAsync());
        Assert.True(TestNetwork.PingUntilAnswered(ns, "10.77.0.5", TimeSpan.FromSeconds(20)), "the guest answers ping");
        Assert.Equal(3, TestNetwork.Ping(ns, "10.77.0.5"));
        Assert.Equal(3, TestNetwork.Ping(ns, "fd00:77::5"));
        Assert.Equal("udp hello", Echo.Udp(ns, "10.77.0.5", "udp hello"));
        Assert.Equal("udp6 hello", Echo.Udp(ns, "fd00:77::5", "udp6 hello"));
        Assert.Equal("tcp hello\n", await Echo.TcpAsync(ns, "10.77.0.5", "tcp hello\n"));
    }

    [Fact]
    public async Task DisposeAsync_RunningGuest_EndsItsQemuAndRemovesItsRunDirectory()
    {
        Machine.RequireQemu();
        var image = await TestImage.GetAsync();
        using var runs = new TemporaryDirectory();
        var vm = await QemuVm.StartAsync(new QemuVmOptions { Name = "dispose", Image = image, MemoryMiB = 64, RunDirectoryParent = runs.Path, Accelerator = QemuAccelerator.Tcg });
        int pid = vm.Pid;
        string runDirectory = vm.RunDirectory;
        Assert.True(File.Exists(vm.QmpSocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(runDirectory));

        await vm.DisposeAsync();

        Assert.True(vm.HasExited);
        Assert.False(Directory.Exists(runDirectory));
        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("qemu", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kill_RunningGuest_QmpConnectionEndsAndWaitersFail()
    {
        Machine.RequireQemu();
        var image = await TestImage.GetAsync();
        using var runs = new TemporaryDirectory();
        await using var vm = await QemuVm.StartAsync(new QemuVmOptions { Name = "kill", Image = image, MemoryMiB = 64, RunDirectoryParent = runs.Path, Accelerator = QemuAccelerator.Tcg });
        var shutdown = vm.Qmp.WaitForEventAsync(QmpEvent.Shutdown);

        vm.Kill();

        await Assert.ThrowsAsync<QmpProtocolException>(() => shutdown.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await vm.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task StartAsync_QemuRefusesTheOptions_ThrowsWithQemusComplaintAndLeavesNothing()
    {
        Machine.RequireQemu();
        var image = await TestImage.GetAsync();
        using var runs = new TemporaryDirectory();

        var ex = await Assert.ThrowsAsync<IOException>(() => QemuVm.StartAsync(new QemuVmOptions
        {
            Name = "bad", Image = image, Machine = "no-such-machine", RunDirectoryParent = runs.Path, Accelerator = QemuAccelerator.Tcg,
        }));

        Assert.Contains("unsupported machine type", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(runs.Path));
    }
}
