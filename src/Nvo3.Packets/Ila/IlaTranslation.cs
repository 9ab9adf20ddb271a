using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// One ILA mapping between a SIR prefix and a locator (draft-herbert-intarea-ila). An address is
/// a 64-bit prefix and a 64-bit identifier; SIR→ILA replaces the SIR prefix by the locator of the
/// node that hosts the identifier, ILA→SIR puts the SIR prefix back.
/// </summary>
/// <remarks>
/// In <see cref="IlaChecksumMode.NeutralMap"/> the one's-complement difference between the two
/// prefixes (and the flipped C-bit) is added to the identifier's low 16 bits, so the
/// one's-complement sum of the address, and with it every transport checksum that covers the
/// address, stays the same. The adjusted word is always in 1..0xFFFF, so the mapping is exact in
/// both directions for every identifier whose low word is not zero; those are refused.
/// </remarks>
public readonly struct IlaTranslation
{
    /// <summary>The C-bit: set in an ILA address whose identifier carries a neutral-map adjustment.</summary>
    public const ulong ChecksumNeutralBit = 1UL << 60;

    // One's-complement sums of what changes in each direction, precomputed per mapping.
    private readonly ulong _toIlaDelta;
    private readonly ulong _toSirDelta;

    /// <summary>Creates a mapping between <paramref name="sirPrefix"/> and <paramref name="locator"/> (both the high 64 bits of an address).</summary>
    public IlaTranslation(ulong sirPrefix, ulong locator, IlaChecksumMode mode = IlaChecksumMode.NeutralMap)
    {
        SirPrefix = sirPrefix;
        Locator = locator;
        Mode = mode;
        // SIR→ILA: prefix changes from SIR to locator, C-bit (0x1000 in identifier word 0) set.
        _toIlaDelta = Checksum.SumWords(sirPrefix) + Complement(locator) + (0xFFFF - 0x1000);
        _toSirDelta = Checksum.SumWords(locator) + Complement(sirPrefix) + 0x1000;
    }

    /// <summary>The SIR prefix (high 64 bits of a SIR address).</summary>
    public ulong SirPrefix { get; }

    /// <summary>The locator (high 64 bits of an ILA address).</summary>
    public ulong Locator { get; }

    /// <summary>How checksums are kept valid.</summary>
    public IlaChecksumMode Mode { get; }

    /// <summary>The identifier type of an address (top three bits of its low 64).</summary>
    public static IlaIdentifierType IdentifierType(IpAddr address) => (IlaIdentifierType)((ulong)address.V6Value >> 61);

    /// <summary>True when the address's identifier has the C-bit set.</summary>
    public static bool HasChecksumNeutralBit(IpAddr address) => ((ulong)address.V6Value & ChecksumNeutralBit) != 0;

    /// <summary>Translates a SIR address to its ILA address.</summary>
    public bool TryToIla(IpAddr sir, out IpAddr ila, out IlaRefusal refusal)
    {
        ila = default;
        if (!Check(sir, SirPrefix, out refusal))
        {
            return false;
        }
        ulong identifier = (ulong)sir.V6Value;
        if (Mode == IlaChecksumMode.NeutralMap)
        {
            if ((identifier & ChecksumNeutralBit) != 0)
            {
                refusal = IlaRefusal.ChecksumBitSet;
                return false;
            }
            if ((identifier & 0xFFFF) == 0)
            {
                refusal = IlaRefusal.ZeroAdjustmentWord;
                return false;
            }
            identifier = Adjust(identifier | ChecksumNeutralBit, _toIlaDelta);
        }
        ila = IpAddr.FromV6(new UInt128(Locator, identifier));
        return true;
    }

    /// <summary>Translates an ILA address back to its SIR address.</summary>
    public bool TryToSir(IpAddr ila, out IpAddr sir, out IlaRefusal refusal)
    {
        sir = default;
        if (!Check(ila, Locator, out refusal))
        {
            return false;
        }
        ulong identifier = (ulong)ila.V6Value;
        if (Mode == IlaChecksumMode.NeutralMap)
        {
            if ((identifier & ChecksumNeutralBit) == 0)
            {
                refusal = IlaRefusal.ChecksumBitClear;
                return false;
            }
            identifier = Adjust(identifier & ~ChecksumNeutralBit, _toSirDelta);
        }
        sir = IpAddr.FromV6(new UInt128(SirPrefix, identifier));
        return true;
    }

    /// <summary>
    /// Rewrites the destination address of an IPv6 packet in place, SIR→ILA when
    /// <paramref name="toIla"/>, else ILA→SIR; in <see cref="IlaChecksumMode.AdjustTransport"/>
    /// mode it also patches the TCP, UDP or ICMPv6 checksum (a zero UDP checksum, meaning none,
    /// stays zero). On refusal the packet is left as it was.
    /// </summary>
    public bool TryTranslateDestination(Span<byte> ipv6Packet, bool toIla, out IlaRefusal refusal)
    {
        if (ipv6Packet.Length < IPv6Packet.HeaderLength || ipv6Packet[0] >> 4 != 6)
        {
            refusal = IlaRefusal.BadPacket;
            return false;
        }
        var dstBytes = ipv6Packet.Slice(24, 16);
        var from = IpAddr.ReadV6(dstBytes);
        IpAddr to;
        bool ok = toIla ? TryToIla(from, out to, out refusal) : TryToSir(from, out to, out refusal);
        if (!ok)
        {
            return false;
        }
        if (Mode == IlaChecksumMode.AdjustTransport && !PatchTransport(ipv6Packet, from, to))
        {
            refusal = IlaRefusal.BadPacket;
            return false;
        }
        to.WriteTo(dstBytes);
        return true;
    }

    private static bool PatchTransport(Span<byte> packet, IpAddr from, IpAddr to)
    {
        int checksumAt = packet[6] switch
        {
            IpProtocol.Tcp => 16,
            IpProtocol.Udp => 6,
            IpProtocol.IcmpV6 => 2,
            _ => -1,
        };
        if (checksumAt < 0)
        {
            // Nothing else covers the address; the rewrite alone is right.
            return true;
        }
        var field = packet[IPv6Packet.HeaderLength..];
        if (field.Length < checksumAt + 2)
        {
            return false;
        }
        ushort old = BinaryPrimitives.ReadUInt16BigEndian(field[checksumAt..]);
        if (packet[6] == IpProtocol.Udp && old == 0)
        {
            // No checksum (RFC 6935 lets tunnels omit it over IPv6): patching would invent a wrong one.
            return true;
        }
        // Add the new address's words and subtract the old ones (RFC 1624).
        ulong sum = (ushort)~old + Complement((ulong)(from.V6Value >> 64)) + Complement((ulong)from.V6Value)
            + Checksum.SumWords((ulong)(to.V6Value >> 64)) + Checksum.SumWords((ulong)to.V6Value);
        ushort updated = (ushort)~Checksum.Fold(sum);
        if (packet[6] == IpProtocol.Udp && updated == 0)
        {
            updated = 0xFFFF;
        }
        BinaryPrimitives.WriteUInt16BigEndian(field[checksumAt..], updated);
        return true;
    }

    private static bool Check(IpAddr address, ulong expectedPrefix, out IlaRefusal refusal)
    {
        if (!address.IsV6)
        {
            refusal = IlaRefusal.NotIPv6;
            return false;
        }
        if ((ulong)(address.V6Value >> 64) != expectedPrefix)
        {
            refusal = IlaRefusal.WrongPrefix;
            return false;
        }
        if ((byte)IdentifierType(address) > (byte)IlaIdentifierType.NonLocal)
        {
            refusal = IlaRefusal.ReservedType;
            return false;
        }
        refusal = IlaRefusal.None;
        return true;
    }

    // Adds a one's-complement delta into the identifier's low word. Both deltas are positive and
    // the word is never 0, so the folded result is always in 1..0xFFFF: one representative per
    // residue, which is what makes the two directions exact inverses.
    private static ulong Adjust(ulong identifier, ulong delta)
    {
        ushort word = (ushort)identifier;
        ulong sum = word + delta;
        ushort folded = Checksum.Fold(sum);
        return (identifier & ~0xFFFFUL) | folded;
    }

    private static ulong Complement(ulong value) => Checksum.SumWords(~value);
}
