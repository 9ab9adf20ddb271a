namespace Nvo3.Nve;

/// <summary>
/// The one delivery state machine (DESIGN 5, "From the underlay"), the same for both
/// encapsulations and for local and remote senders: a packet for a binding that has a port here
/// is delivered when the port is Active, held when it is Pending (about to activate), forwarded to
/// the binding's new NVE while a redirect runs (Paused, or gone: Redirected), answered unreachable
/// or dropped when its task is Suspended, and otherwise dropped with a counter — or, for a local
/// sender to a binding that now lives elsewhere, handed back to be resolved like any remote one.
/// </summary>
internal sealed class Delivery(RedirectTable redirects, IUnderlay underlay, EdgeClock clock, NveCounters counters, EdgeOptions options)
{
    /// <summary>What <see cref="Deliver"/> did.</summary>
    public enum Outcome
    {
        /// <summary>Delivered, held, redirected or dropped (and counted).</summary>
        Done,
        /// <summary>The binding lives elsewhere and the sender is local: resolve it as a remote one.</summary>
        Elsewhere,
        /// <summary>Its task is stopped and asks for destination unreachable: the caller's router answers.</summary>
        Unreachable,
    }

    /// <summary>Hands <paramref name="packet"/> to <paramref name="port"/> as its state says; <paramref name="sender"/> is null for a local sender.</summary>
    public Outcome Deliver(LocalPort port, NetworkTable network, in Packet packet, Peer? sender)
    {
        switch (port.State)
        {
            case PortState.Active:
                ToPort(port, network.Encapsulation.FrameFor(packet, port, network));
                return Outcome.Done;
            case PortState.Pending:
                lock (port.Gate)
                {
                    // The state is read again under the gate: an activation flushes the held
                    // frames under it, so nothing held here is overtaken by a later frame.
                    if (port.State == PortState.Active)
                    {
                        ToPort(port, network.Encapsulation.FrameFor(packet, port, network));
                        return Outcome.Done;
                    }
                    if (port.State == PortState.Pending)
                    {
                        if (port.Hold(network.Encapsulation.FrameFor(packet, port, network), clock.Now, options.ActivationBufferFrames))
                        {
                            counters.AddBuffered();
                        }
                        else
                        {
                            counters.AddDrop(DropReason.ActivationBufferFull, packet.Span, network.InnerLayer, network.Vni);
                        }
                        return Outcome.Done;
                    }
                }
                break;
            default:
                break;
        }
        if (TryRedirect(network, port.Mac, packet, sender))
        {
            return Outcome.Done;
        }
        var state = port.State;
        if (state == PortState.Suspended && port.SuspendPolicy == SuspendPolicy.Unreachable)
        {
            return Outcome.Unreachable;
        }
        if (state == PortState.Learning && sender is null)
        {
            return Outcome.Elsewhere;
        }
        counters.AddDrop(DropReason.NotHere, packet.Span, network.InnerLayer, network.Vni);
        return Outcome.Done;
    }

    /// <summary>
    /// The draft's tunnel for packets in flight: a packet for a binding that left goes, as it is,
    /// to the binding's new NVE while the redirect runs. Never back to where it came from (a
    /// packet is redirected at most once). False when no redirect runs for it.
    /// </summary>
    public bool TryRedirect(NetworkTable network, Packets.MacAddress mac, in Packet packet, Peer? sender)
    {
        if (!options.InflightForwarding || !redirects.TryGet(network.Vni, mac, out var redirect))
        {
            return false;
        }
        if (sender is not null && sender.Name == redirect.Target.Name)
        {
            counters.AddDrop(DropReason.RedirectLoop, packet.Span, network.InnerLayer, network.Vni);
            return true;
        }
        redirect.Touch(clock.Now);
        if (network.Encapsulation.TrySend(underlay, packet, network, redirect.Target, out var refused))
        {
            counters.AddForwardedInFlight();
            redirect.AddForwarded();
            counters.AddEncapsulated(packet.Length);
        }
        else
        {
            counters.AddDrop(refused, packet.Span, network.InnerLayer, network.Vni);
        }
        return true;
    }

    /// <summary>Hands a frame the NVE wrote itself (an answer, an announcement) to a tenant port; a full queue drops it, counted.</summary>
    public void Reply(LocalPort port, ReadOnlySpan<byte> frame)
    {
        if (!port.Port.Send(frame))
        {
            counters.AddDrop(DropReason.PortFull);
        }
    }

    /// <summary>Hands a frame to a tenant port, counting it delivered or dropped (the port's queue was full).</summary>
    public void ToPort(LocalPort port, ReadOnlySpan<byte> frame)
    {
        if (port.Port.Send(frame))
        {
            counters.AddToTenant(frame.Length);
        }
        else
        {
            counters.AddDrop(DropReason.PortFull);
        }
    }
}
