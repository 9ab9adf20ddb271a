using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// Where a unicast packet for a binding goes, wherever it came from: the binding's port here
/// (through the <see cref="Delivery"/> state machine), its redirect when it left, or — for a
/// local sender only — the NVE that hosts it (resolved, or looked up while the packet waits).
/// Broadcast and multicast of a Layer-2 network go to its members by head-end replication.
/// </summary>
internal sealed class Forwarder(PortTable ports, Delivery delivery, RemoteResolver resolver, IUnderlay underlay, NveCounters counters)
{
    /// <summary>The Layer-3 router that answers for stopped tasks (set by the host).</summary>
    public GatewayRouter? Router { get; set; }

    /// <summary>
    /// Forwards <paramref name="packet"/> to the binding (<paramref name="network"/>,
    /// <paramref name="mac"/>). <paramref name="sender"/> is the NVE it came from, or null for a
    /// local sender; what came from the underlay is never sent on to a remote NVE except by a redirect.
    /// </summary>
    public void ToBinding(NetworkTable network, MacAddress mac, in Packet packet, Peer? sender)
    {
        if (ports.Get(network.Vni, mac) is { } port)
        {
            switch (delivery.Deliver(port, network, packet, sender))
            {
                case Delivery.Outcome.Done:
                    return;
                case Delivery.Outcome.Unreachable:
                    Router!.Unreachable(network, packet);
                    return;
                default:
                    break; // it lives elsewhere now: resolve it below
            }
        }
        else if (delivery.TryRedirect(network, mac, packet, sender))
        {
            return; // the binding left this NVE and its redirect still runs
        }
        if (sender is not null)
        {
            counters.AddDrop(DropReason.NotHere, packet.Span, network.InnerLayer, network.Vni);
            return;
        }
        if (resolver.TryResolve(network.Vni, mac, out var peer))
        {
            Send(network, packet, peer);
            return;
        }
        resolver.Queue(network, mac, packet);
    }

    /// <summary>Encapsulates <paramref name="packet"/> to <paramref name="peer"/> as its network carries it.</summary>
    public void Send(NetworkTable network, in Packet packet, Peer peer)
    {
        if (network.Encapsulation.TrySend(underlay, packet, network, peer, out var refused))
        {
            counters.AddEncapsulated(packet.Length);
        }
        else
        {
            counters.AddDrop(refused, packet.Span, network.InnerLayer, network.Vni);
        }
    }

    /// <summary>
    /// Head-end replication (Layer 2): one copy to each other active port of the network here and
    /// one VXLAN copy to each NVE with members in it. Copies the frame once, on the stack when it fits.
    /// </summary>
    public void Replicate(NetworkTable network, LocalPort? from, ReadOnlySpan<byte> frame)
    {
        ToLocalMembers(network, from, frame);
        var peers = network.Members;
        if (peers.Length == 0)
        {
            return;
        }
        Span<byte> datagram = frame.Length + Encapsulation.HeaderLength <= 2048
            ? stackalloc byte[frame.Length + Encapsulation.HeaderLength]
            : new byte[frame.Length + Encapsulation.HeaderLength];
        VxlanHeader.Write(datagram, network.Vni);
        frame.CopyTo(datagram[Encapsulation.HeaderLength..]);
        int hash = FlowHash.ForEthernet(frame);
        foreach (var peer in peers)
        {
            if (underlay.Send(datagram, peer, hash, gpe: false))
            {
                counters.AddEncapsulated(frame.Length);
            }
            else
            {
                counters.AddDrop(DropReason.SendFailed);
            }
        }
        counters.AddReplicated(peers.Length);
    }

    /// <summary>A copy to each active port of the network here but <paramref name="from"/> (a replica from the underlay is never replicated again).</summary>
    public void ToLocalMembers(NetworkTable network, LocalPort? from, ReadOnlySpan<byte> frame)
    {
        foreach (var other in ports.InNetwork(network.Vni))
        {
            if (!ReferenceEquals(other, from) && other.State == PortState.Active)
            {
                delivery.ToPort(other, frame);
            }
        }
    }
}
