using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    // From a tenant port (DESIGN 5): source guard, ARP and ND answered here, announcements as
    // mobility events, then unicast to a local port or a remote NVE, broadcast to the members.
    internal void FromTenant(LocalPort port, FrameBatch batch, int i, byte[] scratch)
    {
        Counters.AddFromTenant();
        var frame = batch.Frame(i);
        if (!EthernetFrame.TryParse(frame, out var eth, out _))
        {
            Counters.AddDrop(DropReason.Malformed);
            return;
        }
        if (eth.Source != port.Mac)
        {
            Counters.AddDrop(DropReason.SourceGuard);
            return;
        }
        if (eth.HasVlanTag)
        {
            // Tenant interfaces are untagged; the VNI comes from the port.
            Counters.AddDrop(DropReason.Unsupported);
            return;
        }
        if (port.Layer3)
        {
            FromTenantLayer3(port, eth, batch, i, scratch);
            return;
        }
        switch (eth.EtherType)
        {
            case EtherType.Arp:
                if (!ArpFromTenant(port, eth, scratch))
                {
                    return;
                }
                break;
            case EtherType.Rarp:
                RarpFromTenant(port, eth);
                return;
            case EtherType.IPv4:
                if (!IPv4Packet.TryParse(eth.Payload, out var ip4, out _))
                {
                    Counters.AddDrop(DropReason.Malformed);
                    return;
                }
                if (!port.Owns(ip4.Source))
                {
                    Counters.AddDrop(DropReason.SourceGuard);
                    return;
                }
                break;
            case EtherType.IPv6:
                if (!IPv6Packet.TryParse(eth.Payload, out var ip6, out _))
                {
                    Counters.AddDrop(DropReason.Malformed);
                    return;
                }
                var src = ip6.Source;
                if (!port.Owns(src) && !src.IsV6LinkLocal && !src.IsUnspecified)
                {
                    // An advertisement from an address that is not its own is a claim on it.
                    bool advertisement = ip6.NextHeader == IpProtocol.IcmpV6 && ip6.Payload.Length > 0 && ip6.Payload[0] == IcmpV6Packet.TypeNeighborAdvertisement;
                    Counters.AddDrop(advertisement ? DropReason.ForeignClaim : DropReason.SourceGuard);
                    return;
                }
                if (ip6.NextHeader == IpProtocol.IcmpV6 && !IcmpV6FromTenant(port, eth, ip6, scratch))
                {
                    return;
                }
                break;
            default:
                break;
        }
        if (port.State != PortState.Active)
        {
            // Blocked until activated here (OVN does the same); announcements were handled above.
            Counters.AddDrop(DropReason.NotHere);
            return;
        }
        Forward(port, eth.Destination, batch.Buffer(i), FrameBatch.Headroom, frame.Length);
    }

    // True when the frame should still be forwarded (a gratuitous ARP is, to the members; a reply is).
    private bool ArpFromTenant(LocalPort port, EthernetFrame eth, byte[] scratch)
    {
        if (!ArpPacket.TryParse(eth.Payload, out var arp, out _))
        {
            Counters.AddDrop(DropReason.Malformed);
            return false;
        }
        if (arp.SenderMac != port.Mac || (!port.Owns(arp.SenderIp) && arp.SenderIp.V4Value != 0 && !arp.IsGratuitous))
        {
            Counters.AddDrop(DropReason.SourceGuard);
            return false;
        }
        if (arp.IsGratuitous)
        {
            if (!Announced(port, MoveTrigger.Garp, arp.SenderIp))
            {
                return false;
            }
            return port.State == PortState.Active && eth.Destination.IsBroadcast;
        }
        if (arp.Operation != ArpOperation.Request)
        {
            return true; // a reply to a request some other system flooded: deliver it
        }
        var target = arp.TargetIp;
        if (!_ipIndex.TryGetValue((port.Vni, target), out var owner))
        {
            Counters.AddDrop(DropReason.UnknownAddress);
            return false;
        }
        if (arp.IsProbe && owner == port.Mac)
        {
            return false; // its own address is free: silence is the answer (RFC 5227)
        }
        int n = ArpWriter.WriteReplyFrame(scratch, owner, target, port.Mac, arp.IsProbe ? IpAddr.V4Any : arp.SenderIp);
        if (port.Port.Send(scratch.AsSpan(0, n)))
        {
            Counters.AddArpReply();
        }
        else
        {
            Counters.AddDrop(DropReason.PortFull);
        }
        return false;
    }

    private void RarpFromTenant(LocalPort port, EthernetFrame eth)
    {
        if (!ArpPacket.TryParse(eth.Payload, out var rarp, out _) || rarp.Operation != ArpOperation.ReverseRequest)
        {
            Counters.AddDrop(DropReason.Malformed);
            return;
        }
        if (rarp.SenderMac != port.Mac)
        {
            Counters.AddDrop(DropReason.SourceGuard);
            return;
        }
        if (rarp.IsRarpAnnounce && Announced(port, MoveTrigger.Rarp, null) && port.State == PortState.Active)
        {
            // Kernel bridges behind other VTEPs learn the MAC's new place from it.
            Replicate(port.Vni, port, eth.Bytes);
        }
        // The same frame is RFC 903's question "what is my IP?": answer from the NVA.
        _ = RarpReplyAsync(port, rarp.TargetMac);
    }

    private async Task RarpReplyAsync(LocalPort port, MacAddress asked)
    {
        try
        {
            Counters.AddLookup();
            var result = await _nva.LookupByMacAsync(port.Vni, asked, Name, _stop.Token).ConfigureAwait(false);
            var ip = result.Binding?.Ips.FirstOrDefault(a => a.IsV4);
            if (ip is not { } address)
            {
                Counters.AddDrop(DropReason.UnknownAddress);
                return;
            }
            var server = ServerAddress(port.Vni);
            var reply = new byte[EthernetFrame.MinimumFrameLength];
            ArpWriter.WriteRarpReplyFrame(reply, ServerMac, server, asked, address);
            if (port.Port.Send(reply))
            {
                Counters.AddRarpReply();
            }
        }
        catch (NvaException ex)
        {
            Counters.AddDrop(DropReason.LookupFailed);
            Log.LookupFailed(_logger, Name, asked, port.Vni, ex.Message);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // True when the packet should still be forwarded.
    private bool IcmpV6FromTenant(LocalPort port, EthernetFrame eth, IPv6Packet ip6, byte[] scratch)
    {
        var payload = ip6.Payload;
        if (payload.Length < IcmpV6Packet.HeaderLength)
        {
            Counters.AddDrop(DropReason.Malformed);
            return false;
        }
        byte type = payload[0];
        switch (type)
        {
            case IcmpV6Packet.TypeNeighborSolicitation:
            case IcmpV6Packet.TypeNeighborAdvertisement:
                break;
            case 130 or 131 or 132 or 143:
                // MLD: group membership stays on the link; the overlay replicates by VN, not by group.
                Counters.AddDrop(DropReason.Unsupported);
                return false;
            default:
                return true;
        }
        if (!NeighborMessage.TryParse(payload, ip6.HopLimit, ip6.Source, ip6.Destination, out var nd, out _))
        {
            Counters.AddDrop(DropReason.Malformed);
            return false;
        }
        var target = nd.Target;
        if (nd.IsAdvertisement)
        {
            if (nd.Solicited)
            {
                return true; // answering an NS some other system flooded
            }
            // Unsolicited: the VM announcing itself (to all-nodes, or its solicited-node group as the draft writes).
            if (!Announced(port, MoveTrigger.Na, target))
            {
                return false;
            }
            return port.State == PortState.Active;
        }
        if (!_ipIndex.TryGetValue((port.Vni, target), out var owner))
        {
            if (!ip6.Source.IsUnspecified)
            {
                Counters.AddDrop(DropReason.UnknownAddress);
            }
            return false; // DAD for an address nobody holds: no answer means it is free
        }
        if (ip6.Source.IsUnspecified)
        {
            if (owner == port.Mac)
            {
                return false; // DAD for its own address: free
            }
            // DAD for an address bound to another interface: defend it, as its owner would.
            int defended = IcmpV6Writer.WriteNeighborAdvertisementFrame(scratch, owner, target, port.Mac, IpAddr.V6Any);
            SendToPort(port, scratch.AsSpan(0, defended));
            Counters.AddNdReply();
            return false;
        }
        int n = IcmpV6Writer.WriteNeighborAdvertisementFrame(scratch, owner, target, eth.Source, ip6.Source);
        SendToPort(port, scratch.AsSpan(0, n));
        Counters.AddNdReply();
        return false;
    }

    private void SendToPort(LocalPort port, ReadOnlySpan<byte> frame)
    {
        if (!port.Port.Send(frame))
        {
            Counters.AddDrop(DropReason.PortFull);
        }
    }

    // Unicast to a local port or a remote NVE; broadcast and multicast to the network's members.
    // The frame sits at buffer[offset..] with at least 8 bytes of headroom in front.
    private void Forward(LocalPort from, MacAddress destination, byte[] buffer, int offset, int length)
    {
        var frame = buffer.AsSpan(offset, length);
        if (destination.IsMulticast)
        {
            Replicate(from.Vni, from, frame);
            return;
        }
        if (_portsByKey.TryGetValue((from.Vni, destination), out var local))
        {
            VxlanHeader.Write(buffer.AsSpan(offset - VxlanHeader.Length), from.Vni);
            Deliver(local, buffer.AsSpan(offset - VxlanHeader.Length, VxlanHeader.Length + length), null);
            return;
        }
        if (TryResolve(from.Vni, destination, out var peer))
        {
            Encapsulate(buffer, offset, length, from.Vni, peer);
            return;
        }
        QueueForLookup(from.Vni, destination, buffer, offset, length);
    }

    // Writes the VXLAN header in the headroom and sends; no copy of the frame.
    private void Encapsulate(byte[] buffer, int offset, int length, uint vni, Peer peer)
    {
        VxlanHeader.Write(buffer.AsSpan(offset - VxlanHeader.Length), vni);
        var frame = buffer.AsSpan(offset, length);
        if (_underlay.Send(buffer.AsSpan(offset - VxlanHeader.Length, VxlanHeader.Length + length), peer, FlowHash.ForEthernet(frame)))
        {
            Counters.AddEncapsulated();
        }
        else
        {
            Counters.AddDrop(DropReason.SendFailed);
        }
    }

    // Head-end replication: one copy to each NVE with members in the network, and to the other
    // local ports. Uses a scratch copy only when the frame has no headroom.
    private void Replicate(uint vni, LocalPort? from, ReadOnlySpan<byte> frame)
    {
        if (_portsByVni.TryGetValue(vni, out var locals))
        {
            foreach (var other in locals)
            {
                if (!ReferenceEquals(other, from) && other.State == PortState.Active)
                {
                    SendToPort(other, frame);
                }
            }
        }
        if (!_members.TryGetValue(vni, out var peers) || peers.Length == 0)
        {
            return;
        }
        Span<byte> datagram = frame.Length + VxlanHeader.Length <= 2048
            ? stackalloc byte[frame.Length + VxlanHeader.Length]
            : new byte[frame.Length + VxlanHeader.Length];
        VxlanHeader.Write(datagram, vni);
        frame.CopyTo(datagram[VxlanHeader.Length..]);
        int hash = FlowHash.ForEthernet(frame);
        foreach (var peer in peers)
        {
            if (_underlay.Send(datagram, peer, hash))
            {
                Counters.AddEncapsulated();
            }
            else
            {
                Counters.AddDrop(DropReason.SendFailed);
            }
        }
        Counters.AddReplicated(peers.Length);
    }

    /// <summary>The MAC the NVE answers RARP with (02:4e:56:ff:ff:fe).</summary>
    public static MacAddress ServerMac { get; } = new(0x02_4E_56_FF_FF_FEUL);

    private IpAddr ServerAddress(uint vni) =>
        _view.Networks.TryGetValue(vni, out var network) && network.Gateways.FirstOrDefault(g => g.Ip.IsV4) is { } gateway ? gateway.Ip : IpAddr.V4Any;
}
