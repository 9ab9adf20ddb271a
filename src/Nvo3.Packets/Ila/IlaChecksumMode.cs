namespace Nvo3.Packets;

/// <summary>How an ILA translation keeps transport checksums valid (the modes of Linux's ila module).</summary>
public enum IlaChecksumMode : byte
{
    /// <summary>
    /// Checksum-neutral mapping: the low 16 bits of the identifier absorb the difference and the
    /// C-bit is set in the ILA address, so every checksum over the address is unchanged.
    /// </summary>
    NeutralMap = 0,
    /// <summary>Patch the TCP, UDP or ICMPv6 checksum instead; the identifier and C-bit are untouched.</summary>
    AdjustTransport = 1,
    /// <summary>Rewrite the prefix only (checksums become wrong unless something else fixes them).</summary>
    NoAction = 2,
}
