using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// Layer 3: the tenant's IP packet without its Ethernet header in VXLAN-GPE (next protocol IPv4
/// or IPv6) to the peer's UDP 4790. With ILA, an IPv6 destination travels as the hosting NVE's
/// locator and is rewritten back to the SIR prefix there (checksum-neutral).
/// </summary>
internal sealed class GpeIp : Encapsulation
{
    /// <summary>The one instance.</summary>
    public static GpeIp Instance { get; } = new();

    private GpeIp()
    {
    }

    /// <inheritdoc />
    public override bool Gpe => true;

    /// <inheritdoc />
    public override bool TrySend(IUnderlay underlay, in Packet packet, NetworkTable network, Peer peer, out DropReason refused)
    {
        var ip = packet.Span;
        bool v6 = IpHeader.IsV6(ip);
        if (v6 && network.Network.IlaSirPrefix is { } sir
            && (peer.IlaLocator is not { } locator || !new IlaTranslation(sir, locator).TryTranslateDestination(ip, toIla: true, out _)))
        {
            refused = DropReason.IlaRefused;
            return false;
        }
        var datagram = packet.WithHeader(HeaderLength);
        VxlanGpeHeader.Write(datagram, network.Vni, v6 ? GpeNextProtocol.IPv6 : GpeNextProtocol.IPv4);
        if (underlay.Send(datagram, peer, FlowHash.ForIp(ip), gpe: true))
        {
            refused = default;
            return true;
        }
        refused = DropReason.SendFailed;
        return false;
    }

    /// <inheritdoc />
    public override Span<byte> FrameFor(in Packet packet, LocalPort port, NetworkTable network)
    {
        var frame = packet.WithHeader(EthernetFrame.HeaderLength);
        EthernetWriter.Write(frame, port.Mac, network.GatewayMac, IpHeader.EtherTypeOf(packet.Span));
        return frame;
    }

    /// <inheritdoc />
    public override bool TryDecapsulate(UnderlayBatch batch, int i, ForwardingTables tables, ulong? ownLocator,
        out NetworkTable network, out Packet packet, out MacAddress destination, out DropReason refused)
    {
        network = null!;
        packet = default;
        destination = default;
        var datagram = batch.Datagram(i);
        if (!VxlanGpeHeader.TryParse(datagram, out var gpe, out var error))
        {
            refused = error == PacketError.Truncated ? DropReason.Malformed : DropReason.BadVxlan;
            return false;
        }
        if (tables.Network(gpe.Vni) is not { Layer3: true } found)
        {
            refused = DropReason.UnknownVni;
            return false;
        }
        if (gpe.NextProtocol is not (GpeNextProtocol.IPv4 or GpeNextProtocol.IPv6))
        {
            refused = DropReason.Unsupported; // a Layer-3 network carries no Ethernet
            return false;
        }
        var inner = datagram[HeaderLength..];
        bool v6 = gpe.NextProtocol == GpeNextProtocol.IPv6;
        int length = ParsedLength(inner, v6);
        if (length == 0)
        {
            refused = DropReason.Malformed;
            return false;
        }
        var ip = inner[..length];
        // Only our own locator comes back to SIR here; anything else is not ours to guess about.
        if (v6 && found.Network.IlaSirPrefix is { } sir
            && (ownLocator is not { } locator || !new IlaTranslation(sir, locator).TryTranslateDestination(ip, toIla: false, out _)))
        {
            refused = DropReason.IlaRefused;
            return false;
        }
        if (!found.TryGetOwner(IpHeader.Destination(ip), out destination))
        {
            refused = DropReason.UnknownDestination;
            return false;
        }
        network = found;
        packet = new Packet(batch.Buffer(i), UnderlayBatch.Headroom + HeaderLength, length);
        refused = default;
        return true;
    }

    // The length of the IP packet at the start of inner (Ethernet padding excluded), 0 when it does not parse.
    private static int ParsedLength(ReadOnlySpan<byte> inner, bool v6)
    {
        if (v6)
        {
            return IPv6Packet.TryParse(inner, out var ip6, out _) ? ip6.Bytes.Length : 0;
        }
        return IPv4Packet.TryParse(inner, out var ip4, out _) ? ip4.Bytes.Length : 0;
    }
}
