using System.Globalization;
using Nvo3.Qemu.Image;

namespace Nvo3.Qemu.Vm;

/// <summary>
/// The arguments QEMU is started with for a <see cref="QemuVmOptions"/>. Devices are listed in a
/// fixed order so both ends of a migration get the same PCI addresses. The CPU model is QEMU's
/// default on both accelerators: <c>-cpu host</c> differs between machines and breaks migration.
/// </summary>
public static class QemuCommandLine
{
    /// <summary>The block node of the guest's disk (its format layer): what a mirror copies and an NBD export serves.</summary>
    public const string DiskNode = "disk0";

    /// <summary>The QMP socket's file name in the run directory.</summary>
    public const string QmpSocketName = "qmp.sock";

    /// <summary>The serial console's log file name in the run directory.</summary>
    public const string SerialLogName = "serial.log";

    /// <summary>The arguments (without the program) for <paramref name="options"/>, with files in <paramref name="runDirectory"/>.</summary>
    public static IReadOnlyList<string> Build(QemuVmOptions options, string runDirectory, QemuAccelerator accelerator)
    {
        var args = new List<string>
        {
            "-name", options.Name,
            "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-machine", options.Machine,
            "-accel", accelerator == QemuAccelerator.Kvm ? "kvm" : "tcg",
            "-m", options.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            "-smp", options.Cpus.ToString(CultureInfo.InvariantCulture),
            "-kernel", options.Image.KernelPath,
            "-initrd", options.Image.InitramfsPath,
            "-append", options.Boot.ToKernelCommandLine(),
            "-chardev", $"file,id=serial0,path={Escape(Path.Combine(runDirectory, SerialLogName))}",
            "-serial", "chardev:serial0",
            "-chardev", $"socket,id=qmp0,path={Escape(Path.Combine(runDirectory, QmpSocketName))},server=on,wait=off",
            "-mon", "chardev=qmp0,mode=control",
        };
        if (options.TapName is { } tap)
        {
            args.AddRange(["-netdev", $"tap,id=net0,ifname={Escape(tap)},script=no,downscript=no"]);
            args.AddRange(["-device", $"virtio-net-pci,netdev=net0,mac={options.Mac},id=nic0"]);
        }
        if (options.DiskPath is { } disk)
        {
            args.AddRange(["-blockdev", $"driver=file,filename={Escape(disk)},node-name={DiskNode}-file"]);
            args.AddRange(["-blockdev", $"driver={options.DiskFormat},file={DiskNode}-file,node-name={DiskNode}"]);
            args.AddRange(["-device", $"virtio-blk-pci,drive={DiskNode},id=vda"]);
        }
        if (options.Incoming)
        {
            args.AddRange(["-incoming", "defer"]);
        }
        if (options.StartPaused)
        {
            args.Add("-S");
        }
        return args;
    }

    // QEMU's option syntax splits on commas; a literal comma is written twice.
    private static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
