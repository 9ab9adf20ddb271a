using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>Layer 2: the tenant's Ethernet frame, whole, in VXLAN (RFC 7348) to the peer's UDP 4789.</summary>
internal sealed class VxlanEthernet : Encapsulation
{
    /// <summary>The one instance.</summary>
    public static VxlanEthernet Instance { get; } = new();

    private VxlanEthernet()
    {
    }

    /// <inheritdoc />
    public override bool Gpe => false;

    /// <inheritdoc />
    public override bool TrySend(IUnderlay underlay, in Packet packet, NetworkTable network, Peer peer, out DropReason refused)
    {
        var datagram = packet.WithHeader(HeaderLength);
        VxlanHeader.Write(datagram, network.Vni);
        if (underlay.Send(datagram, peer, FlowHash.ForEthernet(packet.Span), gpe: false))
        {
            refused = default;
            return true;
        }
        refused = DropReason.SendFailed;
        return false;
    }

    /// <inheritdoc />
    public override Span<byte> FrameFor(in Packet packet, LocalPort port, NetworkTable network) => packet.Span;

    /// <inheritdoc />
    public override bool TryDecapsulate(UnderlayBatch batch, int i, ForwardingTables tables, ulong? ownLocator,
        out NetworkTable network, out Packet packet, out MacAddress destination, out DropReason refused)
    {
        network = null!;
        packet = default;
        destination = default;
        var datagram = batch.Datagram(i);
        if (!VxlanHeader.TryParse(datagram, out var vxlan, out var error))
        {
            refused = error == PacketError.Truncated ? DropReason.Malformed : DropReason.BadVxlan;
            return false;
        }
        if (tables.Network(vxlan.Vni) is not { Layer3: false } found)
        {
            refused = DropReason.UnknownVni;
            return false;
        }
        var inner = vxlan.Inner;
        if (!EthernetFrame.TryParse(inner, out var eth, out _))
        {
            refused = DropReason.Malformed;
            return false;
        }
        network = found;
        packet = new Packet(batch.Buffer(i), UnderlayBatch.Headroom + HeaderLength, inner.Length);
        destination = eth.Destination;
        refused = default;
        return true;
    }
}
