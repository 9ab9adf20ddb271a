using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;

namespace Nvo3.Linux.Tests;

/// <summary>The netns lab: VMs with the kernel's own stacks talk through Nvo3, and keep talking while they move.</summary>
public class LabNetnsTests
{
    [Fact]
    public async Task Ping_VmsOnDifferentServers_AnswerOverIPv4AndIPv6()
    {
        Root.Require();
        Root.RequireTool("ping", "-V", "iputils-ping");
        await using var lab = await LabFixture.UpAsync(hosts: 2, vms: 2);
        Assert.NotEqual(lab.Lab.Vm("vm1").Host, lab.Lab.Vm("vm2").Host);

        var results = new[]
        {
            Ping.Run(lab.Netns("vm1"), "10.100.0.2"),
            Ping.Run(lab.Netns("vm2"), "10.100.0.1"),
            Ping.Run(lab.Netns("vm1"), "fd00:100::2"),
            Ping.Run(lab.Netns("vm2"), "fd00:100::1"),
        };

        Assert.All(results, r => Assert.True(r.Received == r.Sent, $"{r.Received}/{r.Sent} answered\n{lab.Logs()}"));
    }

    [Fact]
    public async Task Layer3_KernelVmsPingTheGatewayAndEachOther_ThroughOneRoutedHop()
    {
        Root.Require();
        Root.RequireTool("ping", "-V", "iputils-ping");
        await using var lab = await LabFixture.UpAsync(hosts: 2, vms: 2, layer: "l3");
        string vm1 = lab.Netns("vm1");

        var results = new[]
        {
            Ping.Run(vm1, "10.100.0.254"), Ping.Run(vm1, "fd00:100::fe"), // the anycast gateway itself
            Ping.Run(vm1, "10.100.0.2"), Ping.Run(vm1, "fd00:100::2"),
        };

        Assert.All(results, r => Assert.True(r.Received == r.Sent, $"{r.Received}/{r.Sent} answered\n{lab.Logs()}"));
        Assert.Equal(64, Ping.ReplyTtl(vm1, "10.100.0.254")); // answered by the gateway: no hop
        Assert.Equal(63, Ping.ReplyTtl(vm1, "10.100.0.2")); // vm2's reply crossed the gateway once
        Assert.Equal(63, Ping.ReplyTtl(vm1, "fd00:100::2"));
    }

    [Fact]
    public async Task HotMove_TcpStreamBetweenVms_KeepsRunningWithEveryByteInOrder()
    {
        Root.Require();
        await using var lab = await LabFixture.UpAsync(hosts: 3, vms: 2);
        // vm1 at h1 sends to vm2 at h2; vm2 moves to h3 mid-stream.
        using var listener = NetworkNamespace.Run(lab.Netns("vm2"), () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Parse("10.100.0.2"), 5001));
        listener.Listen();
        using var client = NetworkNamespace.Run(lab.Netns("vm1"), () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var accepting = listener.AcceptAsync(timeout.Token);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.100.0.2"), 5001), timeout.Token);
        using var server = await accepting;

        using var stop = new CancellationTokenSource();
        var receiving = CounterStream.ReceiveAsync(server, timeout.Token);
        var sending = CounterStream.SendAsync(client, 1024, TimeSpan.FromMilliseconds(1), stop.Token, timeout.Token);
        await Task.Delay(1000);

        long moveStarted = Stopwatch.GetTimestamp();
        var move = await lab.Lab.MigrateAsync("vm2", "h3", Nvo3.Nva.MigrationMode.Hot);
        await Task.Delay(1500);
        await stop.CancelAsync();
        long sent = await sending;
        var received = await receiving;

        Assert.Equal(sent, received.Bytes);
        Assert.Equal("h3", move.To);
        Assert.True(received.GapEndedAt > moveStarted, "the longest gap should be the move's");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"TCP across a hot move: {sent} bytes in order, no reset; longest gap {received.LongestGapMs:0.0} ms; pause {move.PauseMs:0.0} ms, activation {move.ActivationMs:0.0} ms after resume, move {move.TotalMs:0.0} ms");
    }
}
