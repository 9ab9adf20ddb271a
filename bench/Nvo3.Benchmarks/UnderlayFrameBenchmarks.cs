using BenchmarkDotNet.Attributes;
using Nvo3.Packets;

namespace Nvo3.Benchmarks;

/// <summary>
/// Building and reading a whole VXLAN underlay frame, the NVE's per-packet work: around an inner
/// ARP request (60 bytes) and around an inner IPv4/UDP datagram with a 1000-byte payload.
/// </summary>
[MemoryDiagnoser]
public class UnderlayFrameBenchmarks
{
    private static readonly MacAddress NveA = MacAddress.Parse("02:00:00:00:0a:01");
    private static readonly MacAddress NveB = MacAddress.Parse("02:00:00:00:0b:01");
    private static readonly MacAddress Vm = MacAddress.Parse("52:54:00:12:34:56");
    private static readonly MacAddress Peer = MacAddress.Parse("52:54:00:ab:cd:ef");
    private static readonly IpAddr UnderlayA = IpAddr.Parse("192.0.2.10");
    private static readonly IpAddr UnderlayB = IpAddr.Parse("192.0.2.20");
    private static readonly IpAddr VmIp = IpAddr.Parse("10.1.0.5");
    private static readonly IpAddr PeerIp = IpAddr.Parse("10.1.0.9");
    private const uint Vni = 0x12_3456;

    // Preallocated once: the benchmarks write into and read from these.
    private readonly byte[] _buffer = new byte[2048];
    private byte[] _arpInner = [];
    private byte[] _udpInner = [];
    private byte[] _arpFrame = [];
    private byte[] _udpFrame = [];

    [GlobalSetup]
    public void Setup()
    {
        var inner = new byte[1500];
        _arpInner = inner[..ArpWriter.WriteRequestFrame(inner, Vm, VmIp, PeerIp)];
        _udpInner = inner[..UdpWriter.WriteFrame(inner, Peer, Vm, VmIp, PeerIp, 40000, 40001, new byte[1000])];
        var frame = new byte[2048];
        _arpFrame = frame[..UnderlayFrame.WriteVxlan(frame, NveB, NveA, UnderlayA, UnderlayB, Vni, _arpInner)];
        _udpFrame = frame[..UnderlayFrame.WriteVxlan(frame, NveB, NveA, UnderlayA, UnderlayB, Vni, _udpInner)];
    }

    [Benchmark]
    public int BuildVxlanArp() => UnderlayFrame.WriteVxlan(_buffer, NveB, NveA, UnderlayA, UnderlayB, Vni, _arpInner);

    [Benchmark]
    public int BuildVxlanIPv4Udp() => UnderlayFrame.WriteVxlan(_buffer, NveB, NveA, UnderlayA, UnderlayB, Vni, _udpInner);

    [Benchmark]
    public uint ParseVxlanArp()
    {
        if (UnderlayFrame.TryParse(_arpFrame, out var underlay, out _)
            && VxlanHeader.TryParse(underlay.UdpPayload, out var vxlan, out _)
            && EthernetFrame.TryParse(vxlan.Inner, out var eth, out _)
            && ArpPacket.TryParse(eth.Payload, out var arp, out _))
        {
            return vxlan.Vni ^ arp.TargetIp.V4Value;
        }
        return 0;
    }

    [Benchmark]
    public uint ParseVxlanIPv4Udp()
    {
        if (UnderlayFrame.TryParse(_udpFrame, out var underlay, out _)
            && VxlanHeader.TryParse(underlay.UdpPayload, out var vxlan, out _)
            && EthernetFrame.TryParse(vxlan.Inner, out var eth, out _)
            && IPv4Packet.TryParse(eth.Payload, out var ip, out _)
            && UdpDatagram.TryParse(ip.Payload, out var udp, out _))
        {
            return vxlan.Vni ^ ip.Destination.V4Value ^ udp.DestinationPort;
        }
        return 0;
    }
}
