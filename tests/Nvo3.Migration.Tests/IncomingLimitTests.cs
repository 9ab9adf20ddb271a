using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Nvo3.Migration.Transfer;
using Nvo3.Nva;

namespace Nvo3.Migration.Tests;

/// <summary>
/// What a hostile source can make a destination agent hold: no more migrations at once than the
/// limit, and nothing for long from a source that stops sending before the state is complete.
/// </summary>
public sealed class IncomingLimitTests
{
    private static readonly WorkloadShape Shape = new() { MemoryBytes = 1L << 20 };
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SessionsPastTheLimit_AreRefused_UntilAStalledOneTimesOut()
    {
        var time = new FakeTimeProvider();
        await using var agent = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = "dest", MaxIncomingSessions = 1, IdleTimeout = Idle }, time);

        using var first = await OfferAsync(agent, "vm-a");
        var welcome = await first.Reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(FrameType.Welcome, welcome?.Type);

        using var second = await OfferAsync(agent, "vm-b");
        var refused = await second.Reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(FrameType.Abort, refused?.Type);
        Assert.Contains("its limit", FieldMessage.ReadString(refused!.Value.Payload.Span, FrameType.Abort), StringComparison.Ordinal);

        // The first source never sends its state: once the idle timeout passes on the agent's
        // clock it is ended with a reason, and the slot is free again.
        var ended = first.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask();
        while (!ended.IsCompleted)
        {
            time.Advance(Idle); // the session's timer may start after a step: step until it fires
            await Task.WhenAny(ended, Task.Delay(20, TestContext.Current.CancellationToken));
        }
        var abort = await ended;
        Assert.Equal(FrameType.Abort, abort?.Type);
        Assert.Contains("No frame for 30 s", FieldMessage.ReadString(abort!.Value.Payload.Span, FrameType.Abort), StringComparison.Ordinal);

        using var third = await OfferAsync(agent, "vm-c");
        Assert.Equal(FrameType.Welcome, (await third.Reader.ReadAsync(TestContext.Current.CancellationToken))?.Type);
    }

    private static async Task<RawSource> OfferAsync(MigrationAgent agent, string workload)
    {
        var client = new TcpClient();
        await client.ConnectAsync(agent.Endpoint, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        var hello = new HelloMessage(Guid.NewGuid(), MigrationMode.Warm, workload, "src", Shape);
        var writer = new FrameWriter(stream);
        var buffer = writer.GetPayloadBuffer(hello.Size);
        await writer.SendAsync(FrameType.Hello, hello.Write(buffer.Span), TestContext.Current.CancellationToken);
        return new RawSource(client, new FrameReader(stream));
    }

    private sealed record RawSource(TcpClient Client, FrameReader Reader) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }
}
