namespace Nvo3.Nve;

/// <summary>
/// A datagram from the underlay (DESIGN 5, "From the underlay"), for both encapsulations: only
/// from a registered NVE, then decapsulated as its socket says (VXLAN or VXLAN-GPE), then a
/// replica of a Layer-2 broadcast to the local members only, and anything else to the binding it
/// is for through the one delivery state machine (never on to another remote NVE but by a redirect).
/// </summary>
internal sealed class UnderlayPath(Func<ForwardingTables> tables, ulong? ownLocator, Forwarder forwarder, NveCounters counters)
{
    /// <summary>Handles datagram <paramref name="i"/> of <paramref name="batch"/>, read from the socket of <paramref name="encapsulation"/>.</summary>
    public void FromUnderlay(UnderlayBatch batch, int i, Encapsulation encapsulation)
    {
        if (batch.IsOversized(i))
        {
            counters.AddDrop(DropReason.Malformed, default, DropLayer.None, 0, batch.Sender(i)); // longer than any frame: cut short by the read
            return;
        }
        var current = tables();
        var sender = current.Peers.BySender(batch.Sender(i), batch.SenderPort(i));
        if (sender is null)
        {
            counters.AddDrop(DropReason.UnknownSender, batch.Datagram(i), DropLayer.Underlay, 0, batch.Sender(i));
            return;
        }
        if (!encapsulation.TryDecapsulate(batch, i, current, ownLocator, out var network, out var packet, out var destination, out var refused))
        {
            counters.AddDrop(refused, batch.Datagram(i), DropLayer.Underlay, 0, batch.Sender(i));
            return;
        }
        counters.AddDecapsulated(packet.Length);
        if (destination.IsMulticast)
        {
            // Replicated by the sender to every member: deliver here, never replicate again.
            forwarder.ToLocalMembers(network, null, packet.Span);
            return;
        }
        forwarder.ToBinding(network, destination, packet, sender);
    }
}
