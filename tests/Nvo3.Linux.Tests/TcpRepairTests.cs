using System.Net;
using System.Net.Sockets;
using Nvo3.Lab.Netns;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;

namespace Nvo3.Linux.Tests;

/// <summary>TCP_REPAIR: a connection frozen, packaged and restored carries on; the package refuses what is not one.</summary>
public class TcpRepairTests
{
    [Fact]
    public void TryParse_PackageRoundTrips_AndRefusesTruncatedOrForeignBytes()
    {
        var state = new TcpConnectionState(new IPEndPoint(IPAddress.Parse("10.100.0.50"), 5000), new IPEndPoint(IPAddress.Parse("10.100.0.1"), 40000),
            123456789, 987654321, [1, 2, 3, 4], 2, [9, 8], 1448, 7, 7, 9, 424242, new TcpRepairWindow(1, 2, 3, 4, 5));
        byte[] package = state.ToBytes();

        Assert.True(TcpConnectionState.TryParse(package, out var parsed, out _));
        Assert.Equal(state.Local, parsed!.Local);
        Assert.Equal(state.Remote, parsed.Remote);
        Assert.Equal(state.SendQueue, parsed.SendQueue);
        Assert.Equal(state.ReceiveQueue, parsed.ReceiveQueue);
        Assert.Equal(state with { SendQueue = parsed.SendQueue, ReceiveQueue = parsed.ReceiveQueue }, parsed);

        for (int cut = 0; cut < package.Length; cut++)
        {
            Assert.False(TcpConnectionState.TryParse(package.AsSpan(0, cut), out _, out var error));
            Assert.NotNull(error);
        }
        var foreign = (byte[])package.Clone();
        foreign[0] ^= 0xFF;
        Assert.False(TcpConnectionState.TryParse(foreign, out _, out var magic));
        Assert.Contains("magic", magic, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FreezeAndRestore_WithUnreadBytes_ConnectionCarriesOnBothWays()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("repair");
        using var listener = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 6000));
        listener.Listen();
        using var peer = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        await peer.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 6000));
        var task = await listener.AcceptAsync();
        await peer.SendAsync("unread by the task"u8.ToArray());
        await Task.Delay(50);

        var state = TcpRepair.Freeze(task);
        task.Dispose(); // silent: repair mode sends neither FIN nor RST
        listener.Dispose(); // the task's listener would move with it; here it would hold the port
        Assert.Equal("unread by the task"u8.ToArray(), state.ReceiveQueue);
        Assert.True(TcpConnectionState.TryParse(state.ToBytes(), out var carried, out _));
        using var restored = TcpRepair.Restore(carried!, netns);

        var buffer = new byte[64];
        int n = await restored.ReceiveAsync(buffer);
        Assert.Equal("unread by the task", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        await restored.SendAsync("and the task answers"u8.ToArray());
        n = await peer.ReceiveAsync(buffer);
        Assert.Equal("and the task answers", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        await peer.SendAsync("still one connection"u8.ToArray());
        n = await restored.ReceiveAsync(buffer);
        Assert.Equal("still one connection", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Freeze_AfterACancelledReceiveWithBytesInFlight_ReadsTheSendQueueWithoutWaiting()
    {
        // A task's last receive was cancelled (its pause) and its last replies are still
        // unacknowledged when it is frozen: reading the send queue must not wait for the socket
        // to become readable, which a frozen connection never does.
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("repair");
        using var listener = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 6002));
        listener.Listen();
        using var peer = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        await peer.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 6002));
        using var task = await listener.AcceptAsync();
        using (var pause = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await task.ReceiveAsync(new byte[16], SocketFlags.None, pause.Token));
        }
        HostCommand.Ip("-n", netns, "link", "set", "lo", "down"); // nothing is acknowledged any more
        await task.SendAsync("never acknowledged"u8.ToArray());

        var state = await Task.Run(() => TcpRepair.Freeze(task)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("never acknowledged"u8.ToArray(), state.SendQueue);
        Assert.Empty(state.ReceiveQueue);
    }

    [Fact]
    public async Task Freeze_ListeningSocket_RefusesAndLeavesItWorking()
    {
        Root.Require();
        using var ns = new TestNamespaces();
        string netns = ns.Add("repair");
        using var listener = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 6001));
        listener.Listen();

        Assert.Throws<IOException>(() => TcpRepair.Freeze(listener));

        using var client = NetworkNamespace.Run(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 6001));
        using var accepted = await listener.AcceptAsync();
        Assert.True(accepted.Connected);
    }
}
