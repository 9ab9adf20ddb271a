using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Nvo3.Nve.Linux;

namespace Nvo3.Nve.Tests;

/// <summary>
/// UDP GSO and GRO against the real kernel, on loopback (no root needed): one sendmsg carries N
/// datagrams, the kernel's limits are what UdpGso assumes, and a GRO socket reads a GSO burst as one
/// message with its segment size and splits it back.
/// </summary>
[SupportedOSPlatform("linux")]
public class UdpGsoGroTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Send_OneCall_ArrivesAsSeparateDatagramsOfTheRightSizes(string address)
    {
        RequireLinux();
        using var pair = new SocketPair(address);
        var (run, sizes) = Run(segmentSize: 1000, [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 300]);

        Assert.Equal(11, UdpGso.Send(pair.Sender, run, 1000, pair.To, out int errno));
        Assert.Equal(0, errno);

        var buffer = new byte[2000];
        for (int i = 0; i < sizes.Length; i++)
        {
            int n = pair.Receiver.Receive(buffer);
            Assert.Equal(sizes[i], n);
            Assert.All(buffer[..n], b => Assert.Equal((byte)i, b));
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void SendOnce_KernelLimits_SixtyFourSegmentsAndSixtyFourKiB(string address)
    {
        RequireLinux();
        using var pair = new SocketPair(address);
        bool v6 = address.Contains(':', StringComparison.Ordinal);
        var buffer = new byte[70_000];

        // UDP_MAX_SEGMENTS: 64 segments go on every kernel since 4.18 (what UdpGso relies on); the
        // first count refused, with EINVAL, is 65 on kernels that kept 64 and 129 on those that
        // raised it to 128 (6.18 has).
        Assert.Equal(UdpGso.MaxSegments * 100, SendOnce(pair, buffer, UdpGso.MaxSegments * 100, 100, out _));
        int limit = Enumerable.Range(UdpGso.MaxSegments, 65).First(n => SendOnce(pair, buffer, (n * 100) + 1, 100, out _) < 0);
        Assert.Contains(limit, new[] { 64, 128 });
        Assert.Equal(-1, SendOnce(pair, buffer, (limit * 100) + 1, 100, out int errno));
        Assert.Equal(LibC.EInval, errno);
        TestContext.Current.TestOutputHelper?.WriteLine($"UDP_MAX_SEGMENTS on this kernel: {limit}");

        // 64 KiB of IP packet: 65507 bytes of UDP payload over IPv4, 65527 over IPv6; one more is EMSGSIZE.
        int max = UdpGso.MaxPayload(v6);
        Assert.Equal(v6 ? 65527 : 65507, max);
        Assert.Equal(max, SendOnce(pair, buffer, max, 1100, out _));
        Assert.Equal(-1, SendOnce(pair, buffer, max + 1, 1100, out errno));
        Assert.Equal(LibC.EMsgSize, errno);
    }

    [Fact]
    public void Send_RunBeyondOneCall_CutIntoCallsTheKernelTakes()
    {
        RequireLinux();
        using var pair = new SocketPair("127.0.0.1");
        int[] sizes = [.. Enumerable.Repeat(500, 199), 77];
        var (run, _) = Run(500, sizes);

        Assert.Equal(200, UdpGso.Send(pair.Sender, run, 500, pair.To, out int errno));
        Assert.Equal(0, errno);

        var buffer = new byte[1000];
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.Equal(sizes[i], pair.Receiver.Receive(buffer));
            Assert.Equal((byte)i, buffer[0]);
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Receive_GroSocket_GsoBurstArrivesAsOneMessageAndSplitsBack(string address)
    {
        RequireLinux();
        using var pair = new SocketPair(address);
        UdpGroReceiver.Enable(pair.Receiver);
        using var receiver = new UdpGroReceiver(capacity: 8);
        int[] sizes = [.. Enumerable.Repeat(1200, 20), 700];
        var (run, _) = Run(1200, sizes);

        Assert.Equal(21, UdpGso.Send(pair.Sender, run, 1200, pair.To, out _));
        Assert.Equal(1, receiver.Receive(pair.Receiver, 5000));

        Assert.Equal(1200, receiver.SegmentSize(0));
        Assert.Equal(run.Length, receiver.Message(0).Length);
        Assert.False(receiver.Truncated(0));
        Assert.Equal(21, receiver.DatagramCount(0));
        for (int k = 0; k < sizes.Length; k++)
        {
            var datagram = receiver.Datagram(0, k);
            Assert.Equal(sizes[k], datagram.Length);
            Assert.All(datagram.ToArray(), b => Assert.Equal((byte)k, b));
        }
        var sender = receiver.Sender(0, out ushort port, address.Contains(':', StringComparison.Ordinal));
        Assert.Equal((IPEndPoint)pair.Sender.LocalEndPoint!, new IPEndPoint(sender.ToIPAddress(), port));
    }

    [Fact]
    public void Receive_GroSocket_DatagramsSentOneByOneStaySeparateOnLoopback()
    {
        RequireLinux();
        using var pair = new SocketPair("127.0.0.1");
        UdpGroReceiver.Enable(pair.Receiver);
        using var receiver = new UdpGroReceiver(capacity: 8);
        for (int i = 0; i < 5; i++)
        {
            pair.Sender.SendTo(new byte[600], SocketFlags.None, pair.To);
        }
        Thread.Sleep(50); // all queued

        Assert.Equal(5, receiver.Receive(pair.Receiver, 5000));
        for (int i = 0; i < 5; i++)
        {
            // Loopback runs no GRO: no control message, one datagram each.
            Assert.Equal(0, receiver.SegmentSize(i));
            Assert.Equal(1, receiver.DatagramCount(i));
            Assert.Equal(600, receiver.Datagram(i, 0).Length);
        }
    }

    [Fact]
    public void Receive_NothingQueued_TimesOutWithZero()
    {
        RequireLinux();
        using var pair = new SocketPair("127.0.0.1");
        using var receiver = new UdpGroReceiver(capacity: 2);

        Assert.Equal(0, receiver.Receive(pair.Receiver, 50));
    }

    [Fact]
    public void Flush_TwoRunsToTwoPeers_OneSendmmsgDeliversBoth()
    {
        RequireLinux();
        using var first = new SocketPair("127.0.0.1");
        using var second = new SocketPair("127.0.0.1");
        using var batch = new UdpGsoBatch(capacity: 8);
        var (runA, sizesA) = Run(800, [800, 800, 800, 100]);
        var (runB, sizesB) = Run(300, [.. Enumerable.Repeat(300, 70)]); // 70 segments: two messages

        Assert.True(batch.TryAdd(runA, 800, first.To));
        Assert.True(batch.TryAdd(runB, 300, second.To));
        Assert.Equal(3, batch.Count);
        Assert.Equal(0, batch.Flush(first.Sender, out long datagrams));

        Assert.Equal(sizesA.Length + sizesB.Length, datagrams);
        var buffer = new byte[1000];
        Assert.Equal(sizesA, sizesA.Select(_ => first.Receiver.Receive(buffer)));
        Assert.Equal(sizesB, sizesB.Select(_ => second.Receiver.Receive(buffer)));
        Assert.False(batch.TryAdd(new byte[300 * 64 * 9], 300, second.To)); // nine messages do not fit eight
    }

    private static void RequireLinux() => Assert.SkipUnless(OperatingSystem.IsLinux(), "UDP GSO and GRO are Linux socket options.");

    private static unsafe nint SendOnce(SocketPair pair, byte[] buffer, int length, int segmentSize, out int errno)
    {
        byte* name = stackalloc byte[MessageVectors.NameSize];
        pair.To.Buffer.Span[..pair.To.Size].CopyTo(new Span<byte>(name, MessageVectors.NameSize));
        fixed (byte* data = buffer)
        {
            return UdpGso.SendOnce(pair.Sender, data, length, segmentSize, name, pair.To.Size, out errno);
        }
    }

    // Datagrams of the given sizes back to back, datagram i filled with the byte i.
    private static (byte[] Run, int[] Sizes) Run(int segmentSize, int[] sizes)
    {
        Assert.All(sizes[..^1], s => Assert.Equal(segmentSize, s));
        var run = new byte[sizes.Sum()];
        int at = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            run.AsSpan(at, sizes[i]).Fill((byte)i);
            at += sizes[i];
        }
        return (run, sizes);
    }

    private sealed class SocketPair : IDisposable
    {
        public SocketPair(string address)
        {
            var ip = IPAddress.Parse(address);
            Receiver = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20, ReceiveTimeout = 5000 };
            Receiver.Bind(new IPEndPoint(ip, 0));
            Sender = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            Sender.Bind(new IPEndPoint(ip, 0));
            To = ((IPEndPoint)Receiver.LocalEndPoint!).Serialize();
        }

        public Socket Receiver { get; }

        public Socket Sender { get; }

        public SocketAddress To { get; }

        public void Dispose()
        {
            Receiver.Dispose();
            Sender.Dispose();
        }
    }
}
