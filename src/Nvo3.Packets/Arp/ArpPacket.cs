using System.Buffers.Binary;

namespace Nvo3.Packets;

/// <summary>
/// A view of an ARP or RARP packet for Ethernet and IPv4 (hardware type 1, protocol 0x0800),
/// the payload of an Ethernet frame of type 0x0806 or 0x8035.
/// </summary>
public readonly ref struct ArpPacket
{
    /// <summary>Bytes of an Ethernet/IPv4 ARP packet.</summary>
    public const int Length = 28;

    private const ushort HardwareEthernet = 1;
    private readonly ReadOnlySpan<byte> _data;

    private ArpPacket(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>
    /// Reads an ARP/RARP packet; refuses other hardware or protocol types, address lengths other
    /// than 6 and 4, and operations outside 1–4.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out ArpPacket packet, out PacketError error)
    {
        packet = default;
        if (data.Length < Length)
        {
            error = PacketError.Truncated;
            return false;
        }
        if (BinaryPrimitives.ReadUInt16BigEndian(data) != HardwareEthernet
            || BinaryPrimitives.ReadUInt16BigEndian(data[2..]) != EtherType.IPv4
            || data[4] != MacAddress.Length || data[5] != 4)
        {
            error = PacketError.Unsupported;
            return false;
        }
        ushort op = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        if (op is < 1 or > 4)
        {
            error = PacketError.BadField;
            return false;
        }
        packet = new ArpPacket(data[..Length]);
        error = PacketError.None;
        return true;
    }

    /// <summary>The operation.</summary>
    public ArpOperation Operation => (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(_data[6..]);

    /// <summary>Sender hardware address.</summary>
    public MacAddress SenderMac => new(_data[8..]);

    /// <summary>Sender protocol address.</summary>
    public IpAddr SenderIp => IpAddr.ReadV4(_data[14..]);

    /// <summary>Target hardware address.</summary>
    public MacAddress TargetMac => new(_data[18..]);

    /// <summary>Target protocol address.</summary>
    public IpAddr TargetIp => IpAddr.ReadV4(_data[24..]);

    /// <summary>
    /// A gratuitous ARP: a request or reply whose sender and target IP are the same non-zero
    /// address. A host sends one to announce its address, after a move for instance.
    /// </summary>
    public bool IsGratuitous =>
        Operation is ArpOperation.Request or ArpOperation.Reply
        && SenderIp.V4Value != 0 && SenderIp == TargetIp;

    /// <summary>
    /// An ARP probe (RFC 5227): a request with sender IP 0.0.0.0, asking whether the target is in use.
    /// </summary>
    public bool IsProbe => Operation == ArpOperation.Request && SenderIp.V4Value == 0 && TargetIp.V4Value != 0;

    /// <summary>
    /// The announcement QEMU sends after a live migration: a RARP request whose sender and target
    /// hardware addresses are the VM's MAC and whose IP fields are 0.0.0.0. It teaches where the
    /// MAC is, never its IP.
    /// </summary>
    public bool IsRarpAnnounce =>
        Operation == ArpOperation.ReverseRequest
        && SenderIp.V4Value == 0 && TargetIp.V4Value == 0 && SenderMac == TargetMac;
}
