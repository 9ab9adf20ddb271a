using Nvo3.Nve;
using Nvo3.Qemu.Vm;

namespace Nvo3.Mobility.Qemu;

/// <summary>A QEMU guest running at a <see cref="QemuHost"/>: its process, and the NVE port its NIC's socket pair ends in.</summary>
/// <param name="Spec">What it is.</param>
/// <param name="Vm">Its QEMU process.</param>
/// <param name="Port">Its NVE port (the NVE's end of the socket pair).</param>
public sealed record QemuGuest(QemuGuestSpec Spec, QemuVm Vm, LocalPort Port)
{
    /// <summary>Its name.</summary>
    public string Name => Spec.Name;

    /// <summary>The NVE's end of its NIC.</summary>
    public UnixDatagramPort Nic => (UnixDatagramPort)Port.Port;
}
