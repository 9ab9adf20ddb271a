using Nvo3.Packets;

namespace Nvo3.Mobility.Emulated;

public sealed partial class EmulatedVm
{
    private const int MaxWaiting = 256;

    /// <summary>Sends a UDP datagram to <paramref name="destination"/>, resolving its MAC first if needed (frames wait, bounded).</summary>
    public void SendUdp(IpAddr destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var source = Own(destination.IsV6) ?? throw new InvalidOperationException($"VM {Name} has no {(destination.IsV6 ? "IPv6" : "IPv4")} address.");
        Span<byte> frame = stackalloc byte[EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + UdpDatagram.HeaderLength + payload.Length + 64];
        int n = UdpWriter.WriteFrame(frame, MacAddress.Zero, Mac, source, destination, sourcePort, destinationPort, payload);
        SendIp(destination, frame[..n]);
    }

    /// <summary>Sends an ICMP echo request to <paramref name="destination"/>.</summary>
    public void Ping(IpAddr destination, ushort sequence)
    {
        var source = Own(destination.IsV6) ?? throw new InvalidOperationException($"VM {Name} has no address of that family.");
        Span<byte> frame = stackalloc byte[160];
        int n = destination.IsV6
            ? IcmpV6Writer.WriteEchoFrame(frame, MacAddress.Zero, Mac, source, destination, false, 1, sequence, "nvo3 ping"u8)
            : IcmpV4Writer.WriteEchoFrame(frame, MacAddress.Zero, Mac, source, destination, false, 1, sequence, "nvo3 ping"u8);
        SendIp(destination, frame[..n]);
    }

    /// <summary>
    /// Pings <paramref name="destination"/> every 20 ms until an answer comes back, so that the path
    /// is resolved end to end (neighbor entries, the NVEs' directory look-ups) and the traffic that
    /// follows measures the network rather than its first look-up. Throws
    /// <see cref="TimeoutException"/> when no answer comes within <paramref name="timeout"/>.
    /// </summary>
    public async Task PingUntilAnsweredAsync(IpAddr destination, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long before = EchoReplies;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            for (ushort sequence = 0; EchoReplies == before; sequence++)
            {
                Ping(destination, sequence);
                await Task.Delay(20, limit.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"VM {Name}: no answer from {destination} within {timeout.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>Sends a probe with <paramref name="sequence"/> and the current timestamp to <paramref name="destination"/>; returns that timestamp.</summary>
    public long SendProbe(IpAddr destination, long sequence)
    {
        Span<byte> payload = stackalloc byte[Probe.Length];
        long now = Now;
        Probe.Write(payload, sequence, now);
        SendUdp(destination, Probe.Port, Probe.Port, payload);
        return now;
    }

    /// <summary>Sends a RARP request asking for its own IP (a diskless client after boot, RFC 903).</summary>
    public void AskRarp()
    {
        Span<byte> frame = stackalloc byte[EthernetFrame.MinimumFrameLength];
        Transmit(frame[..ArpWriter.WriteRarpRequestFrame(frame, Mac)]);
    }

    /// <summary>True when it holds a fresh neighbor entry for <paramref name="ip"/>.</summary>
    public bool Knows(IpAddr ip, out MacAddress mac)
    {
        if (_neighbors.TryGetValue(ip, out var entry) && entry.ExpiresTicks > Now)
        {
            mac = entry.Mac;
            return true;
        }
        mac = default;
        return false;
    }

    private IpAddr? Own(bool v6) => v6 ? IPv6 : IPv4;

    private bool IsMine(IpAddr ip) => ip == IPv4 || ip == IPv6;

    // The frame has its destination MAC zeroed; fill it from the neighbor cache or wait for an answer.
    private void SendIp(IpAddr destination, Span<byte> frame)
    {
        if (Knows(destination, out var mac))
        {
            mac.WriteTo(frame);
            Transmit(frame);
            return;
        }
        var resolution = _resolving.GetOrAdd(destination, _ => new Resolution());
        bool ask;
        lock (resolution)
        {
            if (resolution.Waiting.Count >= MaxWaiting)
            {
                Interlocked.Increment(ref _sendFailures);
                return;
            }
            resolution.Waiting.Add(frame.ToArray());
            ask = resolution.AskedTicks == 0 || Now - resolution.AskedTicks > _time.TimestampFrequency;
            if (ask)
            {
                resolution.AskedTicks = Now;
            }
        }
        if (ask)
        {
            Solicit(destination);
        }
    }

    private void Solicit(IpAddr target)
    {
        Span<byte> frame = stackalloc byte[128];
        int n = target.IsV6
            ? IcmpV6Writer.WriteNeighborSolicitationFrame(frame, Mac, IPv6!.Value, target)
            : ArpWriter.WriteRequestFrame(frame, Mac, IPv4!.Value, target);
        Transmit(frame[..n]);
    }

    private void Learn(IpAddr ip, MacAddress mac)
    {
        _neighbors[ip] = (mac, Now + (long)(NeighborLifetime.TotalSeconds * _time.TimestampFrequency));
        if (_resolving.TryRemove(ip, out var resolution))
        {
            List<byte[]> waiting;
            lock (resolution)
            {
                waiting = [.. resolution.Waiting];
                resolution.Waiting.Clear();
            }
            foreach (var frame in waiting)
            {
                mac.WriteTo(frame);
                Transmit(frame);
            }
        }
    }

    // The receive path: what a VM's kernel does with each frame.
    private void Receive(ReadOnlySpan<byte> frame)
    {
        if (!EthernetFrame.TryParse(frame, out var eth, out _) || (eth.Destination != Mac && !eth.Destination.IsMulticast))
        {
            return;
        }
        switch (eth.EtherType)
        {
            case EtherType.Arp:
                ReceiveArp(eth.Payload);
                break;
            case EtherType.Rarp:
                if (ArpPacket.TryParse(eth.Payload, out var rarp, out _) && rarp.Operation == ArpOperation.ReverseReply && rarp.TargetMac == Mac)
                {
                    RarpAnswer = rarp.TargetIp;
                }
                break;
            case EtherType.IPv4:
                if (IPv4Packet.TryParse(eth.Payload, out var ip4, out _) && IsMine(ip4.Destination))
                {
                    ReceiveIp(eth.Source, ip4.Source, ip4.Destination, ip4.Protocol, ip4.Payload, ip4.Bytes);
                }
                break;
            case EtherType.IPv6:
                if (IPv6Packet.TryParse(eth.Payload, out var ip6, out _))
                {
                    if (ip6.NextHeader == IpProtocol.IcmpV6 && ReceiveNeighbor(eth.Source, ip6))
                    {
                        break;
                    }
                    if (IsMine(ip6.Destination))
                    {
                        ReceiveIp(eth.Source, ip6.Source, ip6.Destination, ip6.NextHeader, ip6.Payload, ip6.Bytes);
                    }
                }
                break;
            default:
                break;
        }
    }

    private void ReceiveArp(ReadOnlySpan<byte> payload)
    {
        if (!ArpPacket.TryParse(payload, out var arp, out _) || IPv4 is not { } own)
        {
            return;
        }
        if (arp.IsGratuitous)
        {
            // Linux ignores gratuitous ARP for unknown senders unless arp_accept; it refreshes known ones.
            if (_neighbors.ContainsKey(arp.SenderIp))
            {
                Learn(arp.SenderIp, arp.SenderMac);
            }
            return;
        }
        if (arp.Operation == ArpOperation.Reply && arp.TargetIp == own)
        {
            Learn(arp.SenderIp, arp.SenderMac);
        }
        else if (arp.Operation == ArpOperation.Request && arp.TargetIp == own)
        {
            if (arp.SenderIp.V4Value != 0)
            {
                Learn(arp.SenderIp, arp.SenderMac);
            }
            Span<byte> reply = stackalloc byte[EthernetFrame.MinimumFrameLength];
            Transmit(reply[..ArpWriter.WriteReplyFrame(reply, Mac, own, arp.SenderMac, arp.SenderIp)]);
        }
    }

    // True when the packet was Neighbor Discovery and is handled.
    private bool ReceiveNeighbor(MacAddress from, IPv6Packet ip6)
    {
        if (!NeighborMessage.TryParse(ip6.Payload, ip6.HopLimit, ip6.Source, ip6.Destination, out var nd, out _))
        {
            return ip6.Payload.Length > 0 && ip6.Payload[0] is IcmpV6Packet.TypeNeighborSolicitation or IcmpV6Packet.TypeNeighborAdvertisement;
        }
        if (nd.IsAdvertisement)
        {
            var mac = nd.TryGetTargetLinkLayer(out var tll) ? tll : from;
            if (nd.Solicited || _neighbors.ContainsKey(nd.Target))
            {
                Learn(nd.Target, mac);
            }
            return true;
        }
        if (IPv6 is { } own && nd.Target == own)
        {
            var asker = nd.TryGetSourceLinkLayer(out var sll) ? sll : from;
            if (!ip6.Source.IsUnspecified)
            {
                Learn(ip6.Source, asker);
            }
            Span<byte> reply = stackalloc byte[128];
            Transmit(reply[..IcmpV6Writer.WriteNeighborAdvertisementFrame(reply, Mac, own, asker, ip6.Source)]);
        }
        return true;
    }

    private void ReceiveIp(MacAddress from, IpAddr source, IpAddr destination, byte protocol, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> packet)
    {
        _lastHopLimit = packet[0] >> 4 == 6 ? packet[7] : packet[8];
        switch (protocol)
        {
            case IpProtocol.Udp:
                if (UdpDatagram.TryParse(payload, out var udp, out _) && udp.DestinationPort == Probe.Port && Probe.TryRead(udp.Payload, out long sequence, out _))
                {
                    Probes.Record(sequence, Now);
                }
                break;
            case IpProtocol.Icmp:
                if (IcmpV4Packet.TryParse(payload, out var icmp, out _))
                {
                    if (icmp.Type == IcmpV4Packet.TypeEchoRequest)
                    {
                        Span<byte> reply = stackalloc byte[packet.Length + EthernetFrame.HeaderLength + 64];
                        Transmit(reply[..IcmpV4Writer.WriteEchoFrame(reply, from, Mac, destination, source, true, icmp.Identifier, icmp.SequenceNumber, icmp.Body)]);
                    }
                    else if (icmp.Type == IcmpV4Packet.TypeEchoReply)
                    {
                        Interlocked.Increment(ref _echoReplies);
                    }
                    else if (icmp.Type == IcmpV4Packet.TypeDestinationUnreachable)
                    {
                        Interlocked.Increment(ref _unreachables);
                    }
                    else if (icmp.Type == IcmpV4Packet.TypeTimeExceeded)
                    {
                        Interlocked.Increment(ref _timeExceeded);
                    }
                }
                break;
            case IpProtocol.IcmpV6:
                if (IcmpV6Packet.TryParse(payload, out var icmp6, out _))
                {
                    if (icmp6.Type == IcmpV6Packet.TypeEchoRequest)
                    {
                        Span<byte> reply = stackalloc byte[packet.Length + EthernetFrame.HeaderLength + 64];
                        Transmit(reply[..IcmpV6Writer.WriteEchoFrame(reply, from, Mac, destination, source, true, icmp6.Identifier, icmp6.SequenceNumber, icmp6.Body)]);
                    }
                    else if (icmp6.Type == IcmpV6Packet.TypeEchoReply)
                    {
                        Interlocked.Increment(ref _echoReplies);
                    }
                    else if (icmp6.Type == IcmpV6Packet.TypeDestinationUnreachable)
                    {
                        Interlocked.Increment(ref _unreachables);
                    }
                    else if (icmp6.Type == IcmpV6Packet.TypeTimeExceeded)
                    {
                        Interlocked.Increment(ref _timeExceeded);
                    }
                }
                break;
            default:
                break;
        }
    }
}
