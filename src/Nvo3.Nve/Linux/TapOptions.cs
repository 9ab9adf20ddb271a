namespace Nvo3.Nve;

/// <summary>
/// How <see cref="TapPort.Create(string, Packets.MacAddress?, TapOptions)"/> opens a TAP. The
/// default is a plain TAP (frames without a header, every checksum complete), as the NVE's
/// pipeline reads today.
/// </summary>
public sealed record TapOptions
{
    /// <summary>A plain TAP that attaches to an existing TAP of the same name if there is one (Linux's default).</summary>
    public static TapOptions Default { get; } = new();

    /// <summary>
    /// A TAP for the offloaded data plane: a virtio-net header on every frame, checksum and TCP
    /// segmentation offloads for IPv4 and IPv6, and never attached to a device someone else made.
    /// </summary>
    public static TapOptions Offloaded { get; } = new()
    {
        VirtioNetHeader = true,
        Offloads = TapOffloads.Checksum | TapOffloads.Tso4 | TapOffloads.Tso6,
        Exclusive = true,
    };

    /// <summary>
    /// <c>IFF_VNET_HDR</c>: every frame read or written carries a virtio-net header
    /// (<c>TUNSETVNETHDRSZ</c> 12, the virtio 1.0 layout; <c>TUNSETVNETLE</c>, so little-endian on any host).
    /// </summary>
    public bool VirtioNetHeader { get; init; }

    /// <summary>What the kernel may hand over unfinished (<c>TUNSETOFFLOAD</c>); needs <see cref="VirtioNetHeader"/>.</summary>
    public TapOffloads Offloads { get; init; }

    /// <summary>
    /// <c>IFF_TUN_EXCL</c>: fail (EBUSY) when an interface of that name already exists in the
    /// namespace, instead of attaching to it. The NVE's own TAPs are not persistent, so they vanish
    /// when their port is disposed and can be created again; to re-open a persistent TAP made
    /// beforehand (<c>ip tuntap add … mode tap</c>), leave this off.
    /// </summary>
    public bool Exclusive { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for combinations the kernel would refuse or that would lose data.</summary>
    internal void Validate()
    {
        if (Offloads != TapOffloads.None && !VirtioNetHeader)
        {
            throw new ArgumentException("TAP offloads need the virtio-net header: without it partial checksums and super-frames cannot be told apart.");
        }
        if ((Offloads & ~TapOffloads.Checksum) != 0 && (Offloads & TapOffloads.Checksum) == 0)
        {
            throw new ArgumentException("TCP segmentation offload needs checksum offload (Linux refuses TUN_F_TSO* without TUN_F_CSUM).");
        }
    }
}
