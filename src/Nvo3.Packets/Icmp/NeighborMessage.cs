namespace Nvo3.Packets;

/// <summary>
/// A view of an IPv6 Neighbor Solicitation or Neighbor Advertisement (RFC 4861 sections 4.3,
/// 4.4), with the validation of sections 7.1.1 and 7.1.2 that needs no state.
/// </summary>
public readonly ref struct NeighborMessage
{
    /// <summary>Bytes of an NS or NA before its options: 8 of ICMPv6 header and 16 of target.</summary>
    public const int FixedLength = 24;

    /// <summary>Option type: source link-layer address.</summary>
    public const byte OptionSourceLinkLayer = 1;
    /// <summary>Option type: target link-layer address.</summary>
    public const byte OptionTargetLinkLayer = 2;

    private readonly ReadOnlySpan<byte> _data;

    private NeighborMessage(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>
    /// Reads an NS or NA from an ICMPv6 message that arrived with hop limit
    /// <paramref name="hopLimit"/>. Refuses other types, a hop limit other than 255, a code other
    /// than 0, a multicast target, options of length zero or past the end, an NS from :: (DAD)
    /// with a source link-layer option or to a destination other than a solicited-node group, and
    /// a solicited NA to a multicast destination, and a message whose ICMPv6 checksum (over the
    /// pseudo-header of <paramref name="source"/> and <paramref name="destination"/>) is wrong.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> icmp, byte hopLimit, IpAddr source, IpAddr destination, out NeighborMessage message, out PacketError error)
    {
        message = default;
        if (icmp.Length < FixedLength)
        {
            error = PacketError.Truncated;
            return false;
        }
        byte type = icmp[0];
        if (type is not (IcmpV6Packet.TypeNeighborSolicitation or IcmpV6Packet.TypeNeighborAdvertisement))
        {
            error = PacketError.Unsupported;
            return false;
        }
        if (hopLimit != 255 || icmp[1] != 0)
        {
            error = PacketError.BadField;
            return false;
        }
        var candidate = new NeighborMessage(icmp);
        if (candidate.Target.IsMulticast)
        {
            error = PacketError.BadField;
            return false;
        }
        if (!OptionsAreWellFormed(icmp[FixedLength..]))
        {
            error = PacketError.BadOption;
            return false;
        }
        if (type == IcmpV6Packet.TypeNeighborSolicitation && source.IsUnspecified)
        {
            // Duplicate address detection: the sender has no address yet, so it can have no
            // link-layer option, and it asks the target's solicited-node group (RFC 4861 7.1.1).
            if (candidate.TryGetSourceLinkLayer(out _))
            {
                error = PacketError.BadOption;
                return false;
            }
            if (!destination.IsV6SolicitedNodeMulticast)
            {
                error = PacketError.BadField;
                return false;
            }
        }
        if (type == IcmpV6Packet.TypeNeighborAdvertisement && candidate.Solicited && destination.IsMulticast)
        {
            error = PacketError.BadFlags;
            return false;
        }
        // Last: the structure is checked first, so a malformed message says what is wrong with it.
        if (!Checksum.VerifyTransport(source, destination, IpProtocol.IcmpV6, icmp))
        {
            error = PacketError.BadChecksum;
            return false;
        }
        message = candidate;
        error = PacketError.None;
        return true;
    }

    /// <summary>True for a Neighbor Solicitation.</summary>
    public bool IsSolicitation => _data[0] == IcmpV6Packet.TypeNeighborSolicitation;

    /// <summary>True for a Neighbor Advertisement.</summary>
    public bool IsAdvertisement => _data[0] == IcmpV6Packet.TypeNeighborAdvertisement;

    /// <summary>NA router flag.</summary>
    public bool Router => IsAdvertisement && (_data[4] & 0x80) != 0;

    /// <summary>NA solicited flag.</summary>
    public bool Solicited => IsAdvertisement && (_data[4] & 0x40) != 0;

    /// <summary>NA override flag.</summary>
    public bool Override => IsAdvertisement && (_data[4] & 0x20) != 0;

    /// <summary>The target address.</summary>
    public IpAddr Target => IpAddr.ReadV6(_data[8..]);

    /// <summary>The source link-layer address option.</summary>
    public bool TryGetSourceLinkLayer(out MacAddress mac) => TryGetLinkLayer(OptionSourceLinkLayer, out mac);

    /// <summary>The target link-layer address option.</summary>
    public bool TryGetTargetLinkLayer(out MacAddress mac) => TryGetLinkLayer(OptionTargetLinkLayer, out mac);

    private bool TryGetLinkLayer(byte optionType, out MacAddress mac)
    {
        var options = _data[FixedLength..];
        int i = 0;
        while (i + 2 <= options.Length)
        {
            int length = options[i + 1] * 8;
            if (options[i] == optionType && length >= 8)
            {
                mac = new MacAddress(options[(i + 2)..]);
                return true;
            }
            i += length;
        }
        mac = default;
        return false;
    }

    private static bool OptionsAreWellFormed(ReadOnlySpan<byte> options)
    {
        int i = 0;
        while (i < options.Length)
        {
            if (i + 2 > options.Length)
            {
                return false;
            }
            int length = options[i + 1] * 8;
            if (length == 0 || i + length > options.Length)
            {
                return false;
            }
            i += length;
        }
        return true;
    }

    /// <summary>The NA flags byte as a bit set (R = 0x80, S = 0x40, O = 0x20).</summary>
    public byte FlagBits => IsAdvertisement ? (byte)(_data[4] & 0xE0) : (byte)0;
}
