using System.Net;
using System.Net.NetworkInformation;
using Pd = PacketDotNet;

namespace Nvo3.Packets.Tests;

/// <summary>Conversions between Nvo3's value types and the BCL types PacketDotNet speaks.</summary>
internal static class PacketDotNetInterop
{
    public static PhysicalAddress ToPhysical(MacAddress mac)
    {
        var bytes = new byte[MacAddress.Length];
        mac.WriteTo(bytes);
        return new PhysicalAddress(bytes);
    }

    public static MacAddress ToMac(PhysicalAddress address) => new(address.GetAddressBytes());

    public static IpAddr ToIpAddr(IPAddress address) => IpAddr.FromIPAddress(address);

    public static Pd.Packet Parse(byte[] frame) => Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, frame);

    /// <summary>The PacketDotNet view of a TCP option list, by kind.</summary>
    public static T? Option<T>(Pd.TcpPacket tcp) where T : Pd.Tcp.TcpOption => tcp.OptionsCollection.OfType<T>().SingleOrDefault();
}
