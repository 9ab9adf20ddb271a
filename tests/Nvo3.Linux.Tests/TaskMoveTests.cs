using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nvo3.Lab.Netns;
using Nvo3.Lab.Linux;
using Nvo3.Nve.Linux;

namespace Nvo3.Linux.Tests;

/// <summary>
/// Connection migration with TCP_REPAIR (DESIGN 6): a task with an established TCP connection moves
/// between servers (its address to a new namespace behind the new NVE, the connection frozen,
/// packaged and restored there); the client keeps its one connection, sees no reset, and the byte
/// stream echoed back is intact.
/// </summary>
public class TaskMoveTests
{
    [Theory]
    [InlineData(LateSegmentPolicy.Forward, "l2")]
    [InlineData(LateSegmentPolicy.Drop, "l2")]
    [InlineData(LateSegmentPolicy.Forward, "l3")]
    public async Task MoveTask_ClientKeepsOneConnection_NoResetAndStreamIntact(LateSegmentPolicy policy, string layer)
    {
        Root.Require();
        await using var lab = await LabFixture.UpAsync(hosts: 3, vms: 1, layer: layer);
        var task = await lab.Lab.AddTaskAsync("t1", 50, "h2");
        using var listener = NetworkNamespace.Run(task.Netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Parse(task.Ipv4), 7000));
        listener.Listen();
        using var client = NetworkNamespace.Run(lab.Netns("vm1"), () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var accepting = listener.AcceptAsync(timeout.Token);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Parse(task.Ipv4), 7000), timeout.Token);
        var connection = await accepting;
        listener.Dispose();

        // The client streams a counter to the task, which echoes it; the client checks the echo.
        // Every wait is bounded by the timeout, so a stalled connection fails the test with the
        // lab's logs instead of hanging the run.
        using var stop = new CancellationTokenSource();
        var checking = CounterStream.ReceiveAsync(client, timeout.Token);
        var sending = CounterStream.SendAsync(client, 512, TimeSpan.FromMilliseconds(1), stop.Token, timeout.Token);
        using var pause = new CancellationTokenSource();
        var echoing = EchoAsync(connection, pause.Token, timeout.Token);
        await Task.Delay(800, timeout.Token);

        long moveStarted = Stopwatch.GetTimestamp();
        long sent;
        CounterStream.Received echoed;
        TaskMoveReport move;
        try
        {
            (var sockets, move) = await lab.Lab.MoveTaskAsync("t1", "h3", async () =>
            {
                // The task's pause: it stops echoing and hands its connection over.
                await pause.CancelAsync();
                await echoing;
                return [connection];
            }, policy, timeout.Token);
            using var moved = sockets[0];
            var echoingAgain = EchoAsync(moved, CancellationToken.None, timeout.Token);
            await Task.Delay(1000, timeout.Token);
            await stop.CancelAsync();
            sent = await sending;
            await echoingAgain; // the client's shutdown reaches the task, which shuts down in turn
            echoed = await checking;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"The echoed stream stalled for 60 s ({policy}, {layer}); the lab's logs:\n{lab.Logs()}");
            throw;
        }

        Assert.Equal(sent, echoed.Bytes);
        Assert.Equal(1, move.Connections);
        Assert.True(echoed.GapEndedAt > moveStarted, "the longest gap should be the move's");
        Assert.NotEqual(lab.Lab.TaskNetns("t1"), task.Netns);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"task move ({policy}, {layer}): {sent} bytes echoed intact over one connection; longest gap {echoed.LongestGapMs:0.0} ms; frozen {move.FrozenMs:0.0} ms, " +
            $"activation {move.ActivationMs:0.0} ms, package {move.PackagedBytes} B; {move.States[0]}");
    }

    // Echoes until the peer shuts down (then shuts down too) or until paused (then leaves the socket
    // as it is); abort ends it with an OperationCanceledException.
    private static async Task EchoAsync(Socket socket, CancellationToken pause, CancellationToken abort)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int n;
            try
            {
                using var either = CancellationTokenSource.CreateLinkedTokenSource(pause, abort);
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, either.Token);
            }
            catch (OperationCanceledException) when (pause.IsCancellationRequested && !abort.IsCancellationRequested)
            {
                return;
            }
            if (n == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, abort);
        }
    }
}
