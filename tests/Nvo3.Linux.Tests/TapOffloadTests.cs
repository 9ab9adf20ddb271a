using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Nvo3.Lab.Netns;
using Nvo3.Nve;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Linux.Tests;

/// <summary>
/// TAPs with a virtio-net header and offloads against the real kernel: exclusive creation, partial
/// checksums completed for a plain reader, and a TCP stream whose TSO super-frames are segmented and
/// coalesced again in software between two namespaces, the receiver getting every byte in order.
/// </summary>
[SupportedOSPlatform("linux")]
public class TapOffloadTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("02:4e:33:00:0a:01");
    private static readonly MacAddress MacB = MacAddress.Parse("02:4e:33:00:0b:01");

    [Fact]
    public void Create_Default_IsExclusive_RefusesAnExistingNameAndCreatesItAgainOnceDisposed()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("excl");
        var exclusive = TapOptions.Default; // a port never takes over an existing interface unless told to
        var first = NetworkNamespace.Run(netns, () => TapPort.Create("tap0", MacA, exclusive));

        var taken = Assert.Throws<IOException>(() => NetworkNamespace.Run(netns, () => TapPort.Create("tap0", null, exclusive)));
        var loopback = Assert.Throws<IOException>(() => NetworkNamespace.Run(netns, () => TapPort.Create("lo", null, exclusive)));
        first.Dispose();
        Assert.DoesNotContain("tap0", HostCommand.Links(netns));
        using var again = NetworkNamespace.Run(netns, () => TapPort.Create("tap0", MacA, exclusive));

        Assert.Contains("already exists", taken.Message, StringComparison.Ordinal);
        Assert.Contains("already exists", loopback.Message, StringComparison.Ordinal);
        Assert.Contains("tap0", HostCommand.Links(netns));
    }

    [Fact]
    public void Create_PersistentTapMadeBeforehand_ExclusiveRefusesItAndNonExclusiveAttaches()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("persist");
        HostCommand.Ip("-n", netns, "tuntap", "add", "dev", "ptap0", "mode", "tap");

        Assert.Throws<IOException>(() => NetworkNamespace.Run(netns, () => TapPort.Create("ptap0", null, TapOptions.Offloaded)));
        Assert.Throws<IOException>(() => NetworkNamespace.Run(netns, () => TapPort.Create("ptap0", null)));
        using var attached = NetworkNamespace.Run(netns, () => TapPort.Create("ptap0", null, TapOptions.Offloaded with { Exclusive = false }));

        Assert.Equal("ptap0", attached.Name);
        Assert.True(attached.HasVirtioNetHeader);
    }

    [Fact]
    public void Receive_FrameBatchOnAChecksumOffloadTap_PartialChecksumsArriveCompleted()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("csum");
        var options = new TapOptions { VirtioNetHeader = true, Offloads = TapOffloads.Checksum };
        using var tap = NetworkNamespace.Run(netns, () => TapPort.Create("tap0", MacA, options));
        HostCommand.IpBatch(netns, ["addr add 10.78.0.1/24 dev tap0", "link set tap0 up", $"neigh add 10.78.0.2 lladdr {MacB} dev tap0 nud permanent"]);
        using var sender = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        for (int i = 0; i < 20; i++)
        {
            sender.SendTo(new byte[100 + i], new IPEndPoint(IPAddress.Parse("10.78.0.2"), 9000));
        }

        var batch = new FrameBatch(32);
        int seen = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (seen < 20)
        {
            int n = tap.Receive(batch, timeout.Token);
            Assert.True(n > 0);
            for (int i = 0; i < n; i++)
            {
                Assert.True(EthernetFrame.TryParse(batch.Frame(i), out var eth, out _));
                if (eth.EtherType != EtherType.IPv4 || !IPv4Packet.TryParse(eth.Payload, out var ip, out _) || ip.Protocol != IpProtocol.Udp)
                {
                    continue;
                }
                Assert.True(UdpDatagram.TryParse(ip.Payload, out var udp, out _));
                Assert.True(udp.IsChecksumValid(ip.Source, ip.Destination), "the partial UDP checksum was completed");
                seen++;
            }
        }
        Assert.Equal(0, tap.OffloadDrops);

        // The control: read with its header, the same kind of datagram does come with its checksum left to do.
        sender.SendTo(new byte[100], new IPEndPoint(IPAddress.Parse("10.78.0.2"), 9000));
        var raw = new SuperFrameBatch(4);
        VirtioNetHeader header = default;
        while (!header.NeedsChecksum)
        {
            Assert.True(tap.Receive(raw, timeout.Token) > 0);
            for (int i = 0; i < raw.Count; i++)
            {
                header = raw.Header(i).NeedsChecksum ? raw.Header(i) : header;
            }
        }
        Assert.Equal(EthernetFrame.HeaderLength + IPv4Packet.MinHeaderLength, header.ChecksumStart);
        Assert.Equal(VirtioNetHeader.UdpChecksumOffset, header.ChecksumOffset);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TcpStream_TsoSuperFramesSegmentedAndCoalescedBetweenNamespaces_EveryByteInOrder(bool v6)
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string a = ns.Add("a"), b = ns.Add("b");
        using var tapA = NetworkNamespace.Run(a, () => TapPort.Create("tap0", MacA, TapOptions.Offloaded));
        using var tapB = NetworkNamespace.Run(b, () => TapPort.Create("tap0", MacB, TapOptions.Offloaded));
        string ipA = v6 ? "fd78::1" : "10.78.0.1", ipB = v6 ? "fd78::2" : "10.78.0.2", prefix = v6 ? "64 nodad" : "24";
        HostCommand.IpBatch(a, [$"addr add {ipA}/{prefix} dev tap0", "link set tap0 up", $"neigh add {ipB} lladdr {MacB} dev tap0 nud permanent"]);
        HostCommand.IpBatch(b, [$"addr add {ipB}/{prefix} dev tap0", "link set tap0 up", $"neigh add {ipA} lladdr {MacA} dev tap0 nud permanent"]);

        using var stop = new CancellationTokenSource();
        var forward = new OffloadRelay(tapA, tapB);
        var backward = new OffloadRelay(tapB, tapA);
        var relays = new[] { forward.RunAsync(stop.Token), backward.RunAsync(stop.Token) };

        var family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        using var listener = NetworkNamespace.Run(b, () => new Socket(family, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Parse(ipB), 5201));
        listener.Listen();
        using var client = NetworkNamespace.Run(a, () => new Socket(family, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        const int total = 16 << 20;
        var accept = listener.AcceptAsync(timeout.Token).AsTask();
        await client.ConnectAsync(new IPEndPoint(IPAddress.Parse(ipB), 5201), timeout.Token);
        using var server = await accept;

        var receive = Task.Run(() => ReceiveAndCheck(server, total, timeout.Token));
        var chunk = new byte[256 << 10];
        for (int sent = 0; sent < total; sent += chunk.Length)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = Pattern(sent + i);
            }
            await client.SendAsync(chunk, SocketFlags.None, timeout.Token);
        }
        client.Shutdown(SocketShutdown.Send);
        long received = await receive.WaitAsync(timeout.Token);
        stop.Cancel();
        await Task.WhenAll(relays);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"read {forward.SuperFramesRead} super-frames (largest gso_size {forward.LargestGsoSize}), wrote {forward.SuperFramesWritten} coalesced ones");
        Assert.Equal(total, received);
        Assert.True(forward.SuperFramesRead > 0, "the kernel handed the TAP TSO super-frames");
        Assert.True(forward.LargestGsoSize >= 1000, $"gso_size {forward.LargestGsoSize}");
        Assert.True(forward.SuperFramesWritten > 0, "coalesced super-frames were written to the other TAP");
        Assert.Equal(0, forward.Refusals + backward.Refusals);
        Assert.Equal(0, tapA.WriteFailures + tapB.WriteFailures);
        Assert.Equal(0, tapA.OffloadDrops + tapB.OffloadDrops);
    }

    private static byte Pattern(long offset) => (byte)(offset * 7 % 251);

    // Reads to the end and checks that every byte is the one sent at its offset; returns the count.
    private static long ReceiveAndCheck(Socket socket, long expected, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        long at = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = socket.Receive(buffer);
            if (n == 0)
            {
                return at;
            }
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != Pattern(at + i))
                {
                    throw new InvalidDataException($"byte {at + i} of {expected} is wrong");
                }
            }
            at += n;
        }
    }
}
