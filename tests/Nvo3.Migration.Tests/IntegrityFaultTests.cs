using System.Net.Sockets;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration.Tests;

/// <summary>What the agents do with state that does not arrive whole: a copy that hashes differently is never run, a transfer cut inside a frame is answered with Abort.</summary>
[Collection(LoopbackCollection.Name)]
public class IntegrityFaultTests
{
    [Fact]
    public async Task HashMismatch_AbortsAndTheWorkloadRunsOnlyAtTheSource()
    {
        await using var agents = await AgentPair.StartAsync();
        var copy = new TaskCompletionSource<Workload>(TaskCreationOptions.RunContinuationsAsynchronously);
        agents.Destination.WorkloadArrived += w => copy.TrySetResult(w);
        // Larger than the downtime limit allows to send paused, so round 0 goes before the pause;
        // nothing dirties it, so the final pass resends no page: a page the destination spoils
        // while the source pauses stays spoiled when it hashes.
        var hooks = new RecordingHooks
        {
            OnPaused = async () => (await copy.Task).Memory.Load(0, Enumerable.Repeat((byte)0xA5, Workload.PageSize).ToArray()),
        };
        var workload = agents.Host("vm-hash", new WorkloadShape { MemoryBytes = 32L << 20, DiskBytes = 4L << 20 });
        var settings = new PreCopySettings { MaxBandwidth = 100e6, DowntimeLimit = TimeSpan.FromMilliseconds(50) };

        var result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, settings, hooks);

        Assert.Equal(1, result.Rounds); // round 0 only: the spoiled page is not sent again

        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.StartsWith("The state hashes differ", result.Reason, StringComparison.Ordinal);
        Assert.NotEqual(result.SourceHash, result.DestinationHash);
        Assert.Equal(["Prepare", "Paused", "Aborted"], hooks.Calls);
        await FaultTests.AssertRunsOnlyAtSourceAsync(agents, workload, result, result.Id);
    }

    [Fact]
    public async Task TransferCutInsideAFrame_TheAgentAnswersAbortNamingWhy_AndStillServes()
    {
        await using var agents = await AgentPair.StartAsync();
        var whole = new MemoryStream();
        await new FrameWriter(whole).SendAsync(FrameType.Pages, new byte[1000]);
        using var client = new TcpClient();
        await client.ConnectAsync(agents.DestinationEndpoint);
        var stream = client.GetStream();

        await stream.WriteAsync(whole.ToArray().AsMemory(0, FrameHeader.Length + 100)); // the header and a tenth of the payload
        client.Client.Shutdown(SocketShutdown.Send); // then the connection is cut

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = await new FrameReader(stream).ReadAsync(limit.Token);
        Assert.NotNull(reply);
        Assert.Equal(FrameType.Abort, reply.Value.Type);
        Assert.Equal("The connection ended inside a frame.", FieldMessage.ReadString(reply.Value.Payload.Span, FrameType.Abort));
        var workload = agents.Host("vm-after-cut", new WorkloadShape { MemoryBytes = 1L << 20 });
        Assert.Equal(MigrationOutcome.Completed, (await agents.Source.MigrateColdAsync(workload, agents.DestinationEndpoint)).Outcome);
    }
}
