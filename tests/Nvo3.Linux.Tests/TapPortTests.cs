using System.Net;
using System.Net.Sockets;
using Nvo3.Lab.Netns;
using Nvo3.Nve;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Linux.Tests;

/// <summary>TapPort against the real kernel: frames the kernel sends arrive in batches, frames written reach its sockets.</summary>
public class TapPortTests
{
    private static readonly MacAddress TapMac = MacAddress.Parse("02:4e:33:00:00:01");
    private static readonly MacAddress PeerMac = MacAddress.Parse("02:4e:33:00:00:02");

    [Fact]
    public void Receive_KernelSendsABurst_ReadsItInBatches()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("tap");
        using var tap = NetworkNamespace.Run(netns, () => TapPort.Create("tap0", TapMac));
        HostCommand.IpBatch(netns, ["addr add 10.77.0.1/24 dev tap0", "link set tap0 up", $"neigh add 10.77.0.2 lladdr {PeerMac} dev tap0 nud permanent"]);
        Assert.Equal(TapMac.ToString(), HostCommand.Ip("-n", netns, "-br", "link", "show", "tap0").Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);

        using var sender = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        const int count = 200;
        for (int i = 0; i < count; i++)
        {
            sender.SendTo(BitConverter.GetBytes(i), new IPEndPoint(IPAddress.Parse("10.77.0.2"), 9000));
        }

        var batch = new FrameBatch(64);
        var seen = new List<int>();
        int largestBatch = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (seen.Count < count)
        {
            int n = tap.Receive(batch, timeout.Token);
            Assert.True(n > 0);
            largestBatch = Math.Max(largestBatch, n);
            for (int i = 0; i < n; i++)
            {
                Assert.True(EthernetFrame.TryParse(batch.Frame(i), out var eth, out _));
                if (eth.EtherType != EtherType.IPv4 || !IPv4Packet.TryParse(eth.Payload, out var ip, out _) || ip.Protocol != IpProtocol.Udp)
                {
                    continue; // IPv6 router solicitations, MLD: the kernel's own chatter
                }
                Assert.Equal(PeerMac, eth.Destination);
                Assert.Equal(TapMac, eth.Source);
                Assert.True(UdpDatagram.TryParse(ip.Payload, out var udp, out _));
                seen.Add(BitConverter.ToInt32(udp.Payload));
            }
        }
        Assert.Equal(Enumerable.Range(0, count), seen);
        Assert.True(largestBatch > 1, "the kernel queued a burst, so one Receive should return several frames");
    }

    [Fact]
    public void Send_FrameForTheKernel_ReachesItsSocket()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("tap");
        using var tap = NetworkNamespace.Run(netns, () => TapPort.Create("tap0", TapMac));
        HostCommand.IpBatch(netns, ["addr add 10.77.0.1/24 dev tap0", "link set tap0 up"]);
        using var receiver = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        receiver.Bind(new IPEndPoint(IPAddress.Parse("10.77.0.1"), 9001));
        receiver.ReceiveTimeout = 5000;

        var frame = new byte[128];
        int length = UdpWriter.WriteFrame(frame, TapMac, PeerMac, IpAddr.Parse("10.77.0.2"), IpAddr.Parse("10.77.0.1"), 5555, 9001, "hello tap"u8);
        Assert.True(tap.Send(frame.AsSpan(0, length)));

        var buffer = new byte[64];
        int n = receiver.Receive(buffer);
        Assert.Equal("hello tap", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Dispose_WhileReceiving_EndsTheReaderAndRemovesTheInterface()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("tap");
        var tap = NetworkNamespace.Run(netns, () => TapPort.Create("tap0"));
        Assert.Contains("tap0", HostCommand.Links(netns));
        var reader = Task.Factory.StartNew(() => tap.Receive(new FrameBatch(4), CancellationToken.None), TaskCreationOptions.LongRunning);
        await Task.Delay(100);
        Assert.False(reader.IsCompleted);

        tap.Dispose();

        Assert.Equal(0, await reader.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.DoesNotContain("tap0", HostCommand.Links(netns));
    }

    [Fact]
    public async Task Receive_InterfaceDeleted_ReturnsZero()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("tap");
        using var tap = NetworkNamespace.Run(netns, () => TapPort.Create("tap0"));
        var reader = Task.Factory.StartNew(() => tap.Receive(new FrameBatch(4), CancellationToken.None), TaskCreationOptions.LongRunning);

        HostCommand.Ip("-n", netns, "link", "del", "tap0");

        Assert.Equal(0, await reader.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Create_NameTakenByAnotherKindOfInterface_ThrowsIOExceptionSayingWhy()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("tap");

        var ex = Assert.Throws<IOException>(() => NetworkNamespace.Run(netns, () => TapPort.Create("lo")));

        Assert.Contains("Cannot create TAP 'lo'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NameTooLong_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => TapPort.Create("a-very-long-tap-name"));
    }

    [Fact]
    public void Run_NamespaceMissing_ThrowsIOException()
    {
        Root.Require();
        var ex = Assert.Throws<IOException>(() => NetworkNamespace.Run("n3t-does-not-exist", () => 1));
        Assert.Contains("ip netns add", ex.Message, StringComparison.Ordinal);
    }
}
