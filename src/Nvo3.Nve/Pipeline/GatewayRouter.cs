using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The anycast gateway of Layer-3 networks (DESIGN 6): every NVE is the same router (one IP and
/// MAC per subnet). It answers pings to its own addresses, takes one from the TTL or hop limit of
/// what it forwards (once, at the first NVE: the overlay behind it is one hop), answers an expiring
/// packet with time exceeded and a packet for a stopped task with destination unreachable, and
/// forwards by the destination address to the binding that owns it.
/// </summary>
internal sealed class GatewayRouter(Forwarder forwarder, Delivery delivery, NveCounters counters)
{
    // One scratch frame per thread for the messages the router writes itself.
    [ThreadStatic]
    private static byte[]? t_scratch;

    private static byte[] Scratch => t_scratch ??= new byte[Packet.MinHeadroom + FrameBatch.MaxFrame];

    /// <summary>A packet from a tenant, sent to the gateway's MAC, its port active.</summary>
    public void Route(LocalPort from, NetworkTable network, in Packet packet)
    {
        var ip = packet.Span;
        if (network.IsGateway(IpHeader.Destination(ip)))
        {
            AnswerForGateway(from, network, ip);
            return;
        }
        if (!IpForwarding.TryDecrementHopLimit(ip))
        {
            counters.AddDrop(DropReason.HopLimitExceeded);
            if (!IpHeader.IsIcmpError(ip))
            {
                Error(network, ip, timeExceeded: true);
            }
            return;
        }
        ToAddress(network, packet, sender: null);
    }

    /// <summary>Forwards to the binding that owns the destination address; an address nobody holds is dropped, never guessed at.</summary>
    public void ToAddress(NetworkTable network, in Packet packet, Peer? sender)
    {
        if (!network.TryGetOwner(IpHeader.Destination(packet.Span), out var mac))
        {
            counters.AddDrop(DropReason.UnknownDestination);
            return;
        }
        forwarder.ToBinding(network, mac, packet, sender);
    }

    /// <summary>The packet's destination is a stopped task whose policy is unreachable: its sender hears so from the gateway.</summary>
    public void Unreachable(NetworkTable network, in Packet packet)
    {
        if (IpHeader.IsIcmpError(packet.Span))
        {
            counters.AddDrop(DropReason.NotHere); // an error never answers an error
            return;
        }
        Error(network, packet.Span, timeExceeded: false);
    }

    // An echo request to the gateway's own address is answered, as routers do; anything else has no service behind it.
    private void AnswerForGateway(LocalPort from, NetworkTable network, ReadOnlySpan<byte> ip)
    {
        var scratch = Scratch;
        int n = 0;
        if (IpHeader.IsV6(ip))
        {
            if (IPv6Packet.TryParse(ip, out var ip6, out _) && ip6.NextHeader == IpProtocol.IcmpV6
                && IcmpV6Packet.TryParse(ip6.Payload, out var echo, out _) && echo.Type == IcmpV6Packet.TypeEchoRequest)
            {
                n = IcmpV6Writer.WriteEchoFrame(scratch, from.Mac, network.GatewayMac, ip6.Destination, ip6.Source, true, echo.Identifier, echo.SequenceNumber, echo.Body);
            }
        }
        else if (IPv4Packet.TryParse(ip, out var ip4, out _) && ip4.Protocol == IpProtocol.Icmp
            && IcmpV4Packet.TryParse(ip4.Payload, out var echo, out _) && echo.Type == IcmpV4Packet.TypeEchoRequest)
        {
            n = IcmpV4Writer.WriteEchoFrame(scratch, from.Mac, network.GatewayMac, ip4.Destination, ip4.Source, true, echo.Identifier, echo.SequenceNumber, echo.Body);
        }
        if (n == 0)
        {
            counters.AddDrop(DropReason.UnknownDestination);
            return;
        }
        delivery.ToPort(from, scratch.AsSpan(0, n));
    }

    // Destination unreachable or time exceeded from the network's gateway of the packet's family to
    // whoever sent it, routed like any other packet (to a local port, or through the sender's NVE).
    private void Error(NetworkTable network, ReadOnlySpan<byte> original, bool timeExceeded)
    {
        bool v6 = IpHeader.IsV6(original);
        Gateway? gateway = null;
        foreach (var g in network.Network.Gateways)
        {
            if (g.Ip.IsV6 == v6)
            {
                gateway = g;
                break;
            }
        }
        if (gateway is null)
        {
            counters.AddDrop(DropReason.NotHere);
            return;
        }
        var scratch = Scratch;
        var frame = scratch.AsSpan(Packet.MinHeadroom);
        int n = (v6, timeExceeded) switch
        {
            (true, false) => IcmpV6Writer.WriteDestinationUnreachableFrame(frame, MacAddress.Zero, gateway.Mac, gateway.Ip, IcmpV6Packet.CodeAddressUnreachable, original),
            (false, false) => IcmpV4Writer.WriteDestinationUnreachableFrame(frame, MacAddress.Zero, gateway.Mac, gateway.Ip, IcmpV4Packet.CodeHostUnreachable, original),
            (true, true) => IcmpV6Writer.WriteTimeExceededFrame(frame, MacAddress.Zero, gateway.Mac, gateway.Ip, original),
            (false, true) => IcmpV4Writer.WriteTimeExceededFrame(frame, MacAddress.Zero, gateway.Mac, gateway.Ip, original),
        };
        var ip = frame[EthernetFrame.HeaderLength..n];
        if (!timeExceeded)
        {
            counters.AddUnreachable();
        }
        ToAddress(network, new Packet(scratch, Packet.MinHeadroom + EthernetFrame.HeaderLength, Math.Min(IpHeader.TotalLength(ip), ip.Length)), sender: null);
    }
}
