namespace Nvo3.Nve;

/// <summary>
/// What a TAP may hand over unfinished (<c>TUNSETOFFLOAD</c>, <c>TUN_F_*</c> in linux/if_tun.h):
/// the kernel then treats the TAP as a NIC that completes checksums and cuts TCP super-frames.
/// </summary>
[Flags]
public enum TapOffloads : uint
{
    /// <summary>Every frame finished: checksums complete, no super-frames.</summary>
    None = 0,

    /// <summary><c>TUN_F_CSUM</c>: frames may carry a partial checksum (virtio <c>NEEDS_CSUM</c>). Required by the TSO flags.</summary>
    Checksum = 0x01,

    /// <summary><c>TUN_F_TSO4</c>: TCP over IPv4 super-frames of up to 64 KiB.</summary>
    Tso4 = 0x02,

    /// <summary><c>TUN_F_TSO6</c>: TCP over IPv6 super-frames of up to 64 KiB.</summary>
    Tso6 = 0x04,

    /// <summary><c>TUN_F_TSO_ECN</c>: super-frames may carry CWR (virtio GSO ECN bit).</summary>
    TsoEcn = 0x08,
}
