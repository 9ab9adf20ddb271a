using CsCheck;

namespace Nvo3.Packets.Tests;

public class FlowHashTests
{
    [Fact]
    public void ForEthernet_SameFlowOtherPayload_SamePort()
    {
        var first = Frames.TcpFrame(Frames.VmIPv4, Frames.PeerIPv4, 40000, 80, 1, 0, TcpFlags.Syn, 100, [], []);
        var second = Frames.TcpFrame(Frames.VmIPv4, Frames.PeerIPv4, 40000, 80, 999, 7, TcpFlags.Ack, 5000, [], "data"u8);

        Assert.Equal(FlowHash.ForEthernet(first), FlowHash.ForEthernet(second));
    }

    [Fact]
    public void ForEthernet_OtherPort_OtherHashInput()
    {
        var ports = Enumerable.Range(40000, 64)
            .Select(port => FlowHash.ForEthernet(Frames.TcpFrame(Frames.VmIPv4, Frames.PeerIPv4, (ushort)port, 80, 1, 0, TcpFlags.Syn, 100, [], [])))
            .Distinct()
            .Count();

        // 64 flows into 16384 ports: a collision or two at most.
        Assert.InRange(ports, 62, 64);
    }

    [Fact]
    public void ForIp_SameFlowOtherPayload_SamePort()
    {
        var first = Frames.UdpPacket(v6: true, payload: [1, 2, 3]);
        var second = Frames.UdpPacket(v6: true, payload: new byte[300]);

        Assert.Equal(FlowHash.ForIp(first), FlowHash.ForIp(second));
        Assert.NotEqual(FlowHash.ForIp(first), FlowHash.ForIp(Frames.UdpPacket(v6: true, sourcePort: 40001, payload: [1, 2, 3])));
    }

    [Fact]
    public void ForEthernet_RandomFrames_StaysInDynamicRange()
    {
        PacketGen.Bytes(128).Sample(frame =>
        {
            Assert.InRange(FlowHash.ForEthernet(frame), FlowHash.MinPort, ushort.MaxValue);
            Assert.InRange(FlowHash.ForIp(frame), FlowHash.MinPort, ushort.MaxValue);
        }, iter: 5000);
    }

    [Fact]
    public void ForEthernet_ManyFlows_SpreadEvenlyOverThePortRange()
    {
        // A fixed seed keeps the test deterministic; the bound is five standard deviations wide.
        var random = new Random(7348);
        const int Flows = 16_000;
        const int Buckets = 16;
        var counts = new int[Buckets];
        var distinct = new HashSet<ushort>();
        for (int i = 0; i < Flows; i++)
        {
            var src = IpAddr.FromV4((uint)random.Next());
            var dst = IpAddr.FromV4((uint)random.Next());
            ushort port = FlowHash.ForEthernet(Frames.TcpFrame(src, dst, (ushort)random.Next(), (ushort)random.Next(), 0, 0, TcpFlags.Syn, 0, [], []));
            counts[(port - FlowHash.MinPort) * Buckets / (65536 - FlowHash.MinPort)]++;
            distinct.Add(port);
        }

        Assert.All(counts, c => Assert.InRange(c, 1000 - 150, 1000 + 150));
        // 16000 flows over 16384 ports: about 63 % of the ports are hit, as for a uniform hash.
        Assert.InRange(distinct.Count, 9_800, 10_600);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    public void ForEthernet_ShorterThanHeader_IsMinPort(int length)
    {
        Assert.Equal(FlowHash.MinPort, FlowHash.ForEthernet(new byte[length]));
    }

    [Fact]
    public void ForIp_Empty_IsMinPort()
    {
        Assert.Equal(FlowHash.MinPort, FlowHash.ForIp([]));
    }
}
