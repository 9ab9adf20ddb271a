using System.Buffers.Binary;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>Frames and datagrams the tests write and read.</summary>
internal static class TestFrames
{
    /// <summary>True when <paramref name="frame"/> is a probe (UDP to port 5000 with an 8-byte sequence number).</summary>
    public static bool TryReadProbe(ReadOnlySpan<byte> frame, out long sequence)
    {
        sequence = -1;
        if (!EthernetFrame.TryParse(frame, out var eth, out _))
        {
            return false;
        }
        ReadOnlySpan<byte> transport;
        byte protocol;
        if (eth.EtherType == EtherType.IPv4 && IPv4Packet.TryParse(eth.Payload, out var ip4, out _))
        {
            transport = ip4.Payload;
            protocol = ip4.Protocol;
        }
        else if (eth.EtherType == EtherType.IPv6 && IPv6Packet.TryParse(eth.Payload, out var ip6, out _))
        {
            transport = ip6.Payload;
            protocol = ip6.NextHeader;
        }
        else
        {
            return false;
        }
        if (protocol != IpProtocol.Udp || !UdpDatagram.TryParse(transport, out var udp, out _) || udp.DestinationPort != 5000 || udp.Payload.Length != 8)
        {
            return false;
        }
        sequence = BinaryPrimitives.ReadInt64BigEndian(udp.Payload);
        return true;
    }

    /// <summary>The source MAC of an Ethernet frame.</summary>
    public static MacAddress SourceMac(byte[] frame) => EthernetFrame.TryParse(frame, out var eth, out _) ? eth.Source : default;

    /// <summary>True for an ARP frame.</summary>
    public static bool IsArp(byte[] frame) => EthernetFrame.TryParse(frame, out var eth, out _) && eth.EtherType == EtherType.Arp;

    /// <summary>True for an unsolicited NA (ICMPv6 type 136 without the S flag).</summary>
    public static bool IsUnsolicitedNa(byte[] frame) =>
        EthernetFrame.TryParse(frame, out var eth, out _) && eth.EtherType == EtherType.IPv6
        && IPv6Packet.TryParse(eth.Payload, out var ip6, out _) && ip6.NextHeader == IpProtocol.IcmpV6
        && ip6.Payload.Length > 4 && ip6.Payload[0] == IcmpV6Packet.TypeNeighborAdvertisement && (ip6.Payload[4] & 0x40) == 0;
}
