using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    // One receive loop per underlay socket (VXLAN, VXLAN-GPE): a batch at a time, each datagram
    // handed to its pipeline with the loop's own scratch buffer.
    private void UnderlayLoop(Func<UnderlayBatch, int> receive, Action<UnderlayBatch, int, byte[]> process, CancellationToken cancellationToken)
    {
        using var batch = new UnderlayBatch(Options.BatchSize);
        var scratch = new byte[FrameBatch.Headroom + FrameBatch.MaxFrame];
        using var sends = _underlay.CreateSendBatch(Options.BatchSize); // redirected packets leave together
        while (!cancellationToken.IsCancellationRequested)
        {
            int n = receive(batch);
            if (n == 0)
            {
                return; // the socket closed
            }
            _underlay.BeginBatch(sends);
            try
            {
                for (int i = 0; i < n; i++)
                {
                    if (batch.IsOversized(i))
                    {
                        Counters.AddDrop(DropReason.Malformed); // longer than any frame: cut short by the read
                        continue;
                    }
                    process(batch, i, scratch);
                }
            }
            finally
            {
                EndSends();
            }
        }
    }

    // Sends what this thread gathered for the underlay since BeginBatch; counts what the kernel refused.
    private void EndSends()
    {
        int refused = _underlay.EndBatch();
        if (refused > 0)
        {
            Counters.AddDrops(DropReason.SendFailed, refused);
        }
    }

    // From the underlay (DESIGN 5): validate, then deliver to an Activated binding, hold for one
    // about to activate, redirect for one that left, or drop with a counter.
    private void FromUnderlay(UnderlayBatch batch, int i, byte[] scratch)
    {
        var sender = _peers.BySender(batch.Sender(i), batch.SenderPort(i));
        if (sender is null)
        {
            Counters.AddDrop(DropReason.UnknownSender);
            return;
        }
        var datagram = batch.Datagram(i);
        if (!VxlanHeader.TryParse(datagram, out var vxlan, out var error))
        {
            Counters.AddDrop(error == PacketError.Truncated ? DropReason.Malformed : DropReason.BadVxlan);
            return;
        }
        uint vni = vxlan.Vni;
        if (!_view.Networks.ContainsKey(vni))
        {
            Counters.AddDrop(DropReason.UnknownVni);
            return;
        }
        var inner = vxlan.Inner;
        if (!EthernetFrame.TryParse(inner, out var eth, out _))
        {
            Counters.AddDrop(DropReason.Malformed);
            return;
        }
        Counters.AddDecapsulated();
        var destination = eth.Destination;
        if (destination.IsMulticast)
        {
            // Replicated by the sender to every member: deliver locally, never replicate again.
            if (_portsByVni.TryGetValue(vni, out var locals))
            {
                foreach (var local in locals)
                {
                    if (local.State == PortState.Active)
                    {
                        SendToPort(local, inner);
                        Counters.AddToTenant();
                    }
                }
            }
            return;
        }
        if (_portsByKey.TryGetValue((vni, destination), out var port))
        {
            Deliver(port, datagram, sender);
            return;
        }
        if (!TryRedirect(vni, destination, datagram, sender))
        {
            Counters.AddDrop(DropReason.NotHere);
        }
    }

    // Hands a VXLAN datagram's frame to a local port as its state says. Shared by the underlay
    // path and local switching (where the sender is null).
    private void Deliver(LocalPort port, ReadOnlySpan<byte> datagram, Peer? sender)
    {
        var frame = datagram[VxlanHeader.Length..];
        switch (port.State)
        {
            case PortState.Active:
                SendToPort(port, frame);
                Counters.AddToTenant();
                return;
            case PortState.Pending:
                lock (port.Gate)
                {
                    if (port.State == PortState.Active)
                    {
                        SendToPort(port, frame);
                        Counters.AddToTenant();
                    }
                    else if (port.State == PortState.Pending && port.Hold(frame, Now, Options.ActivationBufferFrames))
                    {
                        Counters.AddBuffered();
                    }
                    else if (port.State == PortState.Pending)
                    {
                        Counters.AddDrop(DropReason.ActivationBufferFull);
                    }
                    else if (!TryRedirect(port.Vni, port.Mac, datagram, sender))
                    {
                        Counters.AddDrop(DropReason.NotHere);
                    }
                }
                return;
            default:
                if (!TryRedirect(port.Vni, port.Mac, datagram, sender))
                {
                    Counters.AddDrop(DropReason.NotHere);
                }
                return;
        }
    }

    // The draft's tunnel for packets in flight: a datagram for a binding that left goes, as it
    // is, to the binding's new NVE until the redirect expires. Never back to where it came from.
    private bool TryRedirect(uint vni, MacAddress mac, ReadOnlySpan<byte> datagram, Peer? sender)
    {
        if (!Options.InflightForwarding || !_redirects.TryGetValue((vni, mac), out var redirect) || redirect.ExpiresTicks < Now)
        {
            return false;
        }
        if (sender is not null && sender.Name == redirect.Target.Name)
        {
            Counters.AddDrop(DropReason.RedirectLoop);
            return true;
        }
        if (_underlay.Send(datagram, redirect.Target, FlowHash.ForEthernet(datagram[VxlanHeader.Length..])))
        {
            Counters.AddForwardedInFlight();
            Counters.AddEncapsulated();
        }
        else
        {
            Counters.AddDrop(DropReason.SendFailed);
        }
        return true;
    }
}
