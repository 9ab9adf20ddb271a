namespace Nvo3.Packets;

/// <summary>Why an ILA translation refused an address.</summary>
public enum IlaRefusal : byte
{
    /// <summary>Translated.</summary>
    None = 0,
    /// <summary>The address is not IPv6.</summary>
    NotIPv6,
    /// <summary>The address's high 64 bits are not the prefix this translation maps from.</summary>
    WrongPrefix,
    /// <summary>The identifier type is reserved (6 or 7).</summary>
    ReservedType,
    /// <summary>A SIR address has its C-bit set, so a neutral mapping could not be undone.</summary>
    ChecksumBitSet,
    /// <summary>An ILA address in neutral-map mode lacks its C-bit.</summary>
    ChecksumBitClear,
    /// <summary>
    /// The identifier's low 16 bits are 0x0000: one's-complement arithmetic represents that as
    /// 0xFFFF after the adjustment, so the reverse mapping could not restore it exactly.
    /// </summary>
    ZeroAdjustmentWord,
    /// <summary>The packet is too short, or its transport header cannot be patched.</summary>
    BadPacket,
}
