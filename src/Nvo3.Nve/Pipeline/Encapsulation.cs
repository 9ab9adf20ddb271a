namespace Nvo3.Nve;

/// <summary>
/// How a network's packets travel between NVEs, and what a tenant port receives of them:
/// <see cref="VxlanEthernet"/> (Layer 2: the Ethernet frame in VXLAN) or <see cref="GpeIp"/>
/// (Layer 3: the IP packet in VXLAN-GPE, no inner Ethernet header). The pipeline is written once
/// over this strategy; only what differs between the two lives here.
/// </summary>
internal abstract class Encapsulation
{
    /// <summary>Bytes of the tunnel header (VXLAN and VXLAN-GPE both have 8).</summary>
    public const int HeaderLength = 8;

    /// <summary>True when it travels to the peers' VXLAN-GPE port.</summary>
    public abstract bool Gpe { get; }

    /// <summary>
    /// Writes the tunnel header in front of <paramref name="packet"/> and sends it to
    /// <paramref name="peer"/>. False, with the reason, when it could not be sent.
    /// </summary>
    public abstract bool TrySend(IUnderlay underlay, in Packet packet, NetworkTable network, Peer peer, out DropReason refused);

    /// <summary>The frame a tenant port receives for <paramref name="packet"/> (Layer 3 writes the gateway's Ethernet header in front).</summary>
    public abstract Span<byte> FrameFor(in Packet packet, LocalPort port, NetworkTable network);

    /// <summary>
    /// Reads datagram <paramref name="i"/> of <paramref name="batch"/>: its network, the packet it
    /// carries, and the MAC of the binding it is for (Layer 3 finds it from the destination IP).
    /// False, with the reason, when it is not one of ours to deliver.
    /// </summary>
    public abstract bool TryDecapsulate(UnderlayBatch batch, int i, ForwardingTables tables, ulong? ownLocator,
        out NetworkTable network, out Packet packet, out Packets.MacAddress destination, out DropReason refused);
}
