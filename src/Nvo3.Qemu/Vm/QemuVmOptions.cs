using Nvo3.Packets;
using Nvo3.Qemu.Image;

namespace Nvo3.Qemu.Vm;

/// <summary>
/// One QEMU guest: what it boots, its NIC and disk, and how QEMU runs. Both ends of a migration
/// must be started with the same device model: the same options except <see cref="Incoming"/>,
/// <see cref="TapName"/>, <see cref="DiskPath"/> and <see cref="Netns"/>.
/// </summary>
public sealed record QemuVmOptions
{
    /// <summary>The guest's name (QEMU's -name; also names its run directory). Letters, digits, '-' and '_'.</summary>
    public required string Name { get; init; }

    /// <summary>The kernel and initramfs to boot.</summary>
    public required GuestImage Image { get; init; }

    /// <summary>What the guest's init reads from the kernel command line.</summary>
    public GuestBootArguments Boot { get; init; } = new();

    /// <summary>Guest memory in MiB (default 256).</summary>
    public int MemoryMiB { get; init; } = 256;

    /// <summary>Virtual CPUs (default 1).</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>The NIC's MAC address.</summary>
    public MacAddress Mac { get; init; } = MacAddress.Parse("52:54:00:12:34:56");

    /// <summary>
    /// The TAP interface QEMU attaches the NIC to (-netdev tap,ifname=…): an existing (persistent)
    /// TAP, or one QEMU creates and removes when it exits. Null: no NIC.
    /// </summary>
    public string? TapName { get; init; }

    /// <summary>A disk image for a virtio disk (/dev/vda in the guest), or null for none.</summary>
    public string? DiskPath { get; init; }

    /// <summary>The disk image's format: qcow2 or raw (default qcow2).</summary>
    public string DiskFormat { get; init; } = "qcow2";

    /// <summary>A migration destination: started with -incoming defer, it waits for migrate-incoming.</summary>
    public bool Incoming { get; init; }

    /// <summary>Start with the CPUs stopped (-S) until <c>cont</c>.</summary>
    public bool StartPaused { get; init; }

    /// <summary>The accelerator; default <see cref="QemuAccelerators.Default"/> (TCG unless NVO3_QEMU_ACCEL says otherwise).</summary>
    public QemuAccelerator? Accelerator { get; init; }

    /// <summary>The machine type, the same on both sides of a migration (default q35).</summary>
    public string Machine { get; init; } = "q35";

    /// <summary>A named network namespace (/run/netns/NAME) to run QEMU in, so its TAP is made or found there; null: ours.</summary>
    public string? Netns { get; init; }

    /// <summary>Where run directories go (default /run/nvo3/qemu as root, else $XDG_RUNTIME_DIR/nvo3/qemu or the temp directory).</summary>
    public string? RunDirectoryParent { get; init; }

    /// <summary>The QEMU program.</summary>
    public string QemuBinary { get; init; } = "qemu-system-x86_64";

    /// <summary>How long to wait for QEMU to serve QMP after it starts (default 30 s).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long SIGTERM has to end QEMU before SIGKILL, when the VM is disposed (default 5 s).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The default parent of run directories for this user.</summary>
    public static string DefaultRunDirectoryParent()
    {
        if (Environment.IsPrivilegedProcess)
        {
            return "/run/nvo3/qemu";
        }
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return string.IsNullOrEmpty(runtime) ? Path.Combine(Path.GetTempPath(), "nvo3-qemu") : Path.Combine(runtime, "nvo3", "qemu");
    }
}
