using System.Buffers.Binary;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>Neighbor Discovery and ARP frames a tenant might send, well-formed or not.</summary>
internal static class NdFrames
{
    /// <summary>An NA from <paramref name="vm"/> saying <paramref name="target"/> is at <paramref name="targetMac"/>, with the flags given.</summary>
    public static byte[] Advertisement(TestVm vm, IpAddr target, MacAddress targetMac, NeighborAdvertisementFlags flags, IpAddr to, MacAddress toMac)
    {
        var frame = new byte[EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + 32];
        int icmp = IcmpV6Writer.WriteNeighborAdvertisement(frame.AsSpan(EthernetFrame.HeaderLength + IPv6Packet.HeaderLength), flags, target, targetMac, vm.IPv6, to);
        IPv6Writer.WriteHeader(frame.AsSpan(EthernetFrame.HeaderLength), vm.IPv6, to, IpProtocol.IcmpV6, icmp, hopLimit: 255);
        EthernetWriter.Write(frame, toMac, vm.Mac, EtherType.IPv6);
        return frame;
    }

    /// <summary>An NS from <paramref name="vm"/> for <paramref name="target"/> (DAD when <paramref name="dad"/>).</summary>
    public static byte[] Solicitation(TestVm vm, IpAddr target, bool dad = false)
    {
        var frame = new byte[128];
        int n = IcmpV6Writer.WriteNeighborSolicitationFrame(frame, vm.Mac, dad ? IpAddr.V6Any : vm.IPv6, target, dad);
        return frame[..n];
    }

    /// <summary>The same frame with its ICMPv6 checksum broken.</summary>
    public static byte[] BreakChecksum(byte[] frame)
    {
        var copy = (byte[])frame.Clone();
        int at = EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + 2;
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(at), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(at)) ^ 0x0101));
        return copy;
    }

    /// <summary>An MLDv2 report from <paramref name="vm"/>.</summary>
    public static byte[] MldReport(TestVm vm)
    {
        var frame = Solicitation(vm, IpAddr.Parse("fd00:100::99"));
        frame[EthernetFrame.HeaderLength + IPv6Packet.HeaderLength] = 143;
        return frame;
    }

    /// <summary>An ARP request from <paramref name="vm"/> for <paramref name="target"/>; an RFC 5227 probe (sender IP 0) when <paramref name="probe"/>.</summary>
    public static byte[] ArpRequest(TestVm vm, IpAddr target, bool probe = false)
    {
        var frame = new byte[64];
        int n = ArpWriter.WriteRequestFrame(frame, vm.Mac, probe ? IpAddr.V4Any : vm.IPv4, target);
        return frame[..n];
    }

    /// <summary>The target link-layer address of an NA frame, or of an ARP reply's sender.</summary>
    public static MacAddress? AnsweredMac(byte[] frame)
    {
        if (!EthernetFrame.TryParse(frame, out var eth, out _))
        {
            return null;
        }
        if (eth.EtherType == EtherType.Arp && ArpPacket.TryParse(eth.Payload, out var arp, out _) && arp.Operation == ArpOperation.Reply)
        {
            return arp.SenderMac;
        }
        if (eth.EtherType == EtherType.IPv6 && IPv6Packet.TryParse(eth.Payload, out var ip6, out _) && ip6.NextHeader == IpProtocol.IcmpV6
            && NeighborMessage.TryParse(ip6.Payload, ip6.HopLimit, ip6.Source, ip6.Destination, out var nd, out _)
            && nd.IsAdvertisement && nd.TryGetTargetLinkLayer(out var mac))
        {
            return mac;
        }
        return null;
    }
}
