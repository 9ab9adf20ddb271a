using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>Writes ARP and RARP packets and whole frames.</summary>
public static class ArpWriter
{
    /// <summary>Bytes of a whole ARP frame before padding (14 + 28).</summary>
    public const int FrameLength = EthernetFrame.HeaderLength + ArpPacket.Length;

    /// <summary>Writes the 28-byte ARP/RARP packet; returns 28.</summary>
    public static int Write(Span<byte> destination, ArpOperation operation, MacAddress senderMac, IpAddr senderIp, MacAddress targetMac, IpAddr targetIp)
    {
        if (destination.Length < ArpPacket.Length)
        {
            ThrowHelper.ThrowDestinationTooShort(ArpPacket.Length, destination.Length);
        }
        if (!senderIp.IsV4 || !targetIp.IsV4)
        {
            ThrowHelper.ThrowArgument(nameof(senderIp), "ARP carries IPv4 addresses only.");
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination, 1);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], EtherType.IPv4);
        destination[4] = MacAddress.Length;
        destination[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)operation);
        senderMac.WriteTo(destination[8..]);
        senderIp.WriteTo(destination[14..]);
        targetMac.WriteTo(destination[18..]);
        targetIp.WriteTo(destination[24..]);
        return ArpPacket.Length;
    }

    /// <summary>
    /// Writes a whole ARP (type 0x0806) or RARP (type 0x8035, for operations 3 and 4) frame,
    /// padded to 60 bytes; returns 60.
    /// </summary>
    public static int WriteFrame(Span<byte> destination, MacAddress ethDst, MacAddress ethSrc, ArpOperation operation,
        MacAddress senderMac, IpAddr senderIp, MacAddress targetMac, IpAddr targetIp)
    {
        if (destination.Length < EthernetFrame.MinimumFrameLength)
        {
            ThrowHelper.ThrowDestinationTooShort(EthernetFrame.MinimumFrameLength, destination.Length);
        }
        ushort type = operation is ArpOperation.ReverseRequest or ArpOperation.ReverseReply ? EtherType.Rarp : EtherType.Arp;
        int at = EthernetWriter.Write(destination, ethDst, ethSrc, type);
        at += Write(destination[at..], operation, senderMac, senderIp, targetMac, targetIp);
        return EthernetWriter.Pad(destination, at);
    }

    /// <summary>Writes a request "who has <paramref name="targetIp"/>?" to broadcast; returns 60.</summary>
    public static int WriteRequestFrame(Span<byte> destination, MacAddress senderMac, IpAddr senderIp, IpAddr targetIp) =>
        WriteFrame(destination, MacAddress.Broadcast, senderMac, ArpOperation.Request, senderMac, senderIp, MacAddress.Zero, targetIp);

    /// <summary>Writes a reply "<paramref name="ip"/> is at <paramref name="mac"/>" to the asker; returns 60.</summary>
    public static int WriteReplyFrame(Span<byte> destination, MacAddress mac, IpAddr ip, MacAddress askerMac, IpAddr askerIp) =>
        WriteFrame(destination, askerMac, mac, ArpOperation.Reply, mac, ip, askerMac, askerIp);

    /// <summary>
    /// Writes a gratuitous ARP to broadcast (sender IP = target IP). A request is what Linux's
    /// <c>arp_notify</c> sends; a reply form exists too. Returns 60.
    /// </summary>
    public static int WriteGratuitousFrame(Span<byte> destination, MacAddress mac, IpAddr ip, bool asReply = false) =>
        WriteFrame(destination, MacAddress.Broadcast, mac,
            asReply ? ArpOperation.Reply : ArpOperation.Request,
            mac, ip, asReply ? mac : MacAddress.Zero, ip);

    /// <summary>
    /// Writes the 60-byte RARP announce QEMU sends after a live migration: broadcast, operation 3,
    /// the VM's MAC as sender and target hardware address, both IPs 0.0.0.0.
    /// </summary>
    public static int WriteRarpAnnounceFrame(Span<byte> destination, MacAddress mac) =>
        WriteFrame(destination, MacAddress.Broadcast, mac, ArpOperation.ReverseRequest, mac, IpAddr.V4Any, mac, IpAddr.V4Any);

    /// <summary>Writes a RARP request from a client that knows its MAC and asks for its IP (RFC 903); returns 60.</summary>
    public static int WriteRarpRequestFrame(Span<byte> destination, MacAddress mac) => WriteRarpAnnounceFrame(destination, mac);

    /// <summary>Writes a RARP reply telling <paramref name="clientMac"/> that its IP is <paramref name="clientIp"/>; returns 60.</summary>
    public static int WriteRarpReplyFrame(Span<byte> destination, MacAddress serverMac, IpAddr serverIp, MacAddress clientMac, IpAddr clientIp) =>
        WriteFrame(destination, clientMac, serverMac, ArpOperation.ReverseReply, serverMac, serverIp, clientMac, clientIp);
}
