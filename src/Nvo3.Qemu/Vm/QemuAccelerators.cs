using Nvo3.Qemu.Image;

namespace Nvo3.Qemu.Vm;

/// <summary>
/// Which accelerator to use. TCG unless asked otherwise: on this project's machines /dev/kvm may
/// open and accept KVM_CREATE_VM, yet a KVM guest hangs early in boot (nested virtualization that
/// does not work), so "KVM opens" proves nothing. <c>NVO3_QEMU_ACCEL=kvm</c> forces KVM;
/// <c>NVO3_QEMU_ACCEL=auto</c> uses KVM only after <see cref="ProbeKvmAsync"/> has booted a guest with it.
/// </summary>
public static class QemuAccelerators
{
    /// <summary>The environment variable: tcg (default), kvm or auto.</summary>
    public const string Variable = "NVO3_QEMU_ACCEL";

    private static readonly SemaphoreSlim s_probeLock = new(1, 1);
    private static QemuAccelerator? s_probed;

    /// <summary>What <see cref="Variable"/> asks for without probing: KVM for "kvm", else TCG.</summary>
    public static QemuAccelerator Default() =>
        string.Equals(Environment.GetEnvironmentVariable(Variable), "kvm", StringComparison.OrdinalIgnoreCase) ? QemuAccelerator.Kvm : QemuAccelerator.Tcg;

    /// <summary>
    /// The accelerator to use: as <see cref="Variable"/> says, and for "auto" the result of
    /// <see cref="ProbeKvmAsync"/> (run once per process).
    /// </summary>
    public static async Task<QemuAccelerator> ResolveAsync(GuestImage image, CancellationToken cancellationToken = default)
    {
        if (!string.Equals(Environment.GetEnvironmentVariable(Variable), "auto", StringComparison.OrdinalIgnoreCase))
        {
            return Default();
        }
        await s_probeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            s_probed ??= await ProbeKvmAsync(image, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false) ? QemuAccelerator.Kvm : QemuAccelerator.Tcg;
            return s_probed.Value;
        }
        finally
        {
            s_probeLock.Release();
        }
    }

    /// <summary>
    /// True when a guest boots under KVM here: /dev/kvm opens, and a NIC-less guest started with
    /// -accel kvm reaches its init (prints its boot line) within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> ProbeKvmAsync(GuestImage image, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            using (File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        var options = new QemuVmOptions { Name = "kvm-probe", Image = image, MemoryMiB = 128, Accelerator = QemuAccelerator.Kvm };
        try
        {
            await using var vm = await QemuVm.StartAsync(options, cancellationToken).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await vm.WaitForSerialAsync(GuestInit.BootMarker, deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
