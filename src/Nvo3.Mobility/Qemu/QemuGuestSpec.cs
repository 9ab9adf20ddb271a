using Nvo3.Packets;
using Nvo3.Qemu.Image;

namespace Nvo3.Mobility.Qemu;

/// <summary>A QEMU guest to host: its binding (VNI, MAC, addresses), its device model and its boot arguments.</summary>
/// <param name="Name">Its name (the directory's, and QEMU's).</param>
/// <param name="Vni">Its virtual network.</param>
/// <param name="Mac">Its MAC, QEMU's virtio-net one.</param>
/// <param name="Ips">Its addresses, as the directory binds them.</param>
/// <param name="MemoryMiB">Its memory; a destination starts the same.</param>
public sealed record QemuGuestSpec(string Name, uint Vni, MacAddress Mac, IReadOnlyList<IpAddr> Ips, int MemoryMiB = 256)
{
    /// <summary>The guest's kernel command line (its addresses with their prefix lengths, its gateway); unused at a migration's destination, whose state arrives.</summary>
    public GuestBootArguments Boot { get; init; } = new();
}
