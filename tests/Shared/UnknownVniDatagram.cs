using Nvo3.Packets;

namespace Nvo3.Testing;

/// <summary>
/// A VXLAN datagram that an NVE drops with a known reason and known headers, for the tests of the
/// drop trace: VXLAN (the VNI given) + Ethernet 02:00:00:00:00:33 → 02:00:00:00:00:22 + IPv4
/// 10.9.9.1 → 10.9.9.2 UDP.
/// </summary>
internal static class UnknownVniDatagram
{
    public static byte[] Build(uint vni)
    {
        byte[] bytes = new byte[VxlanHeader.Length + EthernetFrame.HeaderLength + IPv4Packet.MinHeaderLength + 8];
        VxlanHeader.Write(bytes, vni);
        var eth = bytes.AsSpan(VxlanHeader.Length);
        MacAddress.Parse("02:00:00:00:00:22").WriteTo(eth);
        MacAddress.Parse("02:00:00:00:00:33").WriteTo(eth[6..]);
        eth[12] = 0x08;
        var ip = eth[EthernetFrame.HeaderLength..];
        ip[0] = 0x45;
        ip[3] = 28;
        ip[8] = 64;
        ip[9] = IpProtocol.Udp;
        IpAddr.Parse("10.9.9.1").WriteTo(ip[12..]);
        IpAddr.Parse("10.9.9.2").WriteTo(ip[16..]);
        return bytes;
    }
}
