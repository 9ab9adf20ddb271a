using System.Buffers.Binary;
using System.Collections.Concurrent;
using Nvo3.Nva;
using Nvo3.Packets;
using Pd = PacketDotNet;

namespace Nvo3.Nve.Tests;

/// <summary>
/// ILA on the data path, judged by PacketDotNet rather than our own readers: what the sending NVE
/// puts on the underlay carries the destination's ILA address with a transport checksum that
/// still verifies, and what the VM receives carries its own address back.
/// </summary>
public class IlaDataPathTests
{
    private const ulong Sir = 0xFD00_0100_0000_0000UL;
    private const ulong IdentifierBits = 0x0FFF_FFFF_FFFF_0000UL; // all but the type, the C-bit and the adjusted word

    [Fact]
    public async Task Ipv6Probe_BetweenNves_TravelsAtTheLocatorWithAValidChecksum_AndArrivesAtTheSirAddress()
    {
        await using var h = await EdgeHarness.StartAsync(NetworkMode.L3, ilaSir: Sir);
        var a = await h.AddEdgeAsync("a", 1);
        var b = await h.AddEdgeAsync("b", 2);
        var sender = await h.AddVmAsync(11, a);
        var receiver = await h.AddVmAsync(12, b);
        var sent = new ConcurrentQueue<(IpAddr To, ushort Port, byte[] Datagram)>();
        ((MemoryUnderlay)a.Underlay).Tap = (_, _, to, port, datagram) => sent.Enqueue((to, port, datagram.ToArray()));

        sender.SendProbe(VirtualNetwork.AnycastGatewayMac(EdgeHarness.Vni), receiver.IPv6, 7);

        await EdgeHarness.WaitAsync(() => receiver.Probes().Contains(7), "the probe at vm12");
        var (to, port, datagram) = Assert.Single(sent, d => d.Port == VxlanGpeHeader.UdpPort);
        Assert.Equal(EdgeHarness.EndpointOf(2).Address, to);
        Assert.Equal(2, datagram[3]); // VXLAN-GPE next protocol: IPv6

        var onWire = new Pd.IPv6Packet(new Pd.Utils.ByteArraySegment(datagram, 8, datagram.Length - 8));
        var (prefix, identifier) = Split(onWire.DestinationAddress);
        Assert.Equal(EdgeHarness.LocatorOf(2), prefix);
        Assert.NotEqual(0UL, identifier & IlaTranslation.ChecksumNeutralBit);
        Assert.Equal(Low64(receiver.IPv6) & IdentifierBits, identifier & IdentifierBits);
        Assert.Equal(sender.IPv6.ToString(), onWire.SourceAddress.ToString());
        var udpOnWire = Assert.IsType<Pd.UdpPacket>(onWire.PayloadPacket);
        Assert.True(udpOnWire.ValidUdpChecksum, "the checksum-neutral mapping keeps the UDP checksum valid on the underlay");

        var frame = Assert.Single(receiver.Frames(f => TestFrames.TryReadProbe(f, out long s) && s == 7));
        var delivered = Assert.IsType<Pd.IPv6Packet>(Pd.Packet.ParsePacket(Pd.LinkLayers.Ethernet, frame).PayloadPacket);
        Assert.Equal(receiver.IPv6.ToString(), delivered.DestinationAddress.ToString());
        Assert.Equal(sender.IPv6.ToString(), delivered.SourceAddress.ToString());
        Assert.True(Assert.IsType<Pd.UdpPacket>(delivered.PayloadPacket).ValidUdpChecksum, "and valid again at the VM");
    }

    private static (ulong Prefix, ulong Identifier) Split(System.Net.IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return (BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8)));
    }

    private static ulong Low64(IpAddr address) => Split(System.Net.IPAddress.Parse(address.ToString())).Identifier;
}
