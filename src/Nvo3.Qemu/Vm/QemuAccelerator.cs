namespace Nvo3.Qemu.Vm;

/// <summary>How QEMU runs the guest's CPU.</summary>
public enum QemuAccelerator
{
    /// <summary>QEMU's own translator (-accel tcg): slower, works everywhere, the default.</summary>
    Tcg,
    /// <summary>The kernel's hypervisor (-accel kvm): fast where /dev/kvm works for nested guests.</summary>
    Kvm,
}
