using Microsoft.Extensions.Time.Testing;
namespace Nvo3.Migration.Tests;

[Collection(LoopbackCollection.Name)]
public class StandbyTests(ITestOutputHelper output)
{
    private static readonly WorkloadShape Shape = new() { MemoryBytes = 16L << 20, DiskBytes = 4L << 20 };

    [Fact]
    public async Task WarmFailover_AfterCheckpoints_ResumesFromTheLastVerified()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-warm", Shape);
        var hooks = new RecordingHooks();
        await using var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 10e6, DiskRate = 2e6 });
        await using var standby = await agents.Source.ProtectWarmAsync(workload, agents.DestinationEndpoint,
            new WarmStandbySettings { CheckpointInterval = TimeSpan.FromMilliseconds(50), MaxBandwidth = 200e6 }, hooks);
        await Wait.UntilAsync(() => standby.LastCheckpoint?.Sequence >= 3, "three checkpoints were applied");
        var copy = Assert.Single(agents.Destination.Standbys);
        Assert.Equal(WorkloadState.Standby, copy.State);

        var result = await standby.FailoverAsync();
        output.WriteLine($"checkpoints {standby.LastCheckpoint!.Sequence}, pauses {string.Join(", ", standby.CheckpointPauses.Select(p => p.TotalMilliseconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} ms, state age {result.StateAge.TotalMilliseconds:0} ms");

        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.Equal(standby.LastCheckpoint.Hash, result.SourceHash);
        var running = agents.Destination.Find("vm-warm")!;
        Assert.Same(copy, running);
        Assert.Equal(WorkloadState.Running, running.State);
        // Nothing runs on the copy in this test, so its state is still the checkpoint's.
        Assert.Equal(standby.LastCheckpoint.Hash, running.ComputeStateHash());
        Assert.Equal(WorkloadState.Stopped, workload.State);
        Assert.Equal(["Prepare", "Paused", "Resumed", "Completed"], hooks.Calls);
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
    }

    [Fact]
    public async Task WarmStandby_PrimaryAgentStopped_ActivateStandbyResumesLastCheckpoint()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-warm2", Shape);
        await using var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 10e6, DiskRate = 2e6 });
        // A long interval: the test takes the checkpoints itself, so it knows which was last.
        await using var standby = await agents.Source.ProtectWarmAsync(workload, agents.DestinationEndpoint,
            new WarmStandbySettings { CheckpointInterval = TimeSpan.FromHours(1) });
        await Task.Delay(50);
        await standby.CheckpointAsync();
        await Task.Delay(50);
        var last = await standby.CheckpointAsync();
        await Task.Delay(50);

        await agents.Source.DisposeAsync();
        Assert.Equal(WorkloadState.Stopped, workload.State);
        var copy = agents.Destination.ActivateStandby("vm-warm2");

        Assert.Equal(WorkloadState.Running, copy.State);
        Assert.True(last.Verified);
        Assert.Equal(last.Hash, copy.ComputeStateHash());
        Assert.Equal(1, agents.Monitor.RunningCopies("vm-warm2"));
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
    }

    [Fact]
    public async Task HotStandbyFailover_ReplicatedWrites_NoStateMovesAndVerified()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-ha", Shape);
        var hooks = new RecordingHooks();
        // Stepped by the test, not by a timer: what is written between two flushes does not
        // depend on how long a busy machine stalled the writer.
        await using var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 10e6, DiskRate = 2e6 }, new FakeTimeProvider(), null, start: false);
        await using var standby = await agents.Source.ProtectHotAsync(workload, agents.DestinationEndpoint, hooks: hooks);
        for (int i = 0; i < 20; i++)
        {
            dirtier.Step(TimeSpan.FromMilliseconds(10));
            await workload.FlushWritesAsync();
        }
        dirtier.Step(TimeSpan.FromMilliseconds(10)); // written, not yet flushed: the batch the failover carries
        Assert.True(standby.BatchesReplicated > 0, "write batches were replicated");
        long before = standby.BytesSent;

        var result = await standby.FailoverAsync();
        output.WriteLine($"batches {standby.BatchesReplicated}, writes {standby.WritesReplicated}, bytes at failover {result.BytesSent - before}, pause {result.Downtime.TotalMilliseconds:0.0} ms");

        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.Equal(result.SourceHash, result.DestinationHash);
        // At failover only the last unflushed batch (10 ms of writes: two dozen 64-byte page writes)
        // and a few control frames travel; the memory (16 MiB) does not.
        Assert.InRange(result.BytesSent - before, 1, 64 << 10);
        var running = agents.Destination.Find("vm-ha")!;
        Assert.Equal(WorkloadState.Running, running.State);
        Assert.Equal(result.SourceHash, running.ComputeStateHash());
        Assert.Equal(WorkloadState.Stopped, workload.State);
        Assert.Equal(["Prepare", "Paused", "Resumed", "Completed"], hooks.Calls);
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
    }

    [Fact]
    public async Task HotStandby_PrimaryAgentStopped_StandbyHoldsEveryFlushedWrite()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-ha2", Shape);
        await using var standby = await agents.Source.ProtectHotAsync(workload, agents.DestinationEndpoint);
        await using (var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 10e6, DiskRate = 2e6 }))
        {
            await Wait.UntilAsync(() => standby.BatchesReplicated >= 10, "10 write batches were replicated");
            workload.Pause();
        }
        await workload.FlushWritesAsync();
        var primary = workload.ComputeStateHash();

        await agents.Source.DisposeAsync();
        var copy = agents.Destination.ActivateStandby("vm-ha2");

        Assert.Equal(primary, copy.ComputeStateHash());
        Assert.Equal(WorkloadState.Running, copy.State);
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
    }

    [Fact]
    public async Task HotStandby_StandbyAgentStopped_PrimaryRunsOnUnprotected()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-ha3", Shape);
        await using var standby = await agents.Source.ProtectHotAsync(workload, agents.DestinationEndpoint);
        await using var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 10e6 });
        await Wait.UntilAsync(() => standby.BatchesReplicated >= 5, "5 write batches were replicated");

        await agents.Destination.DisposeAsync();
        await Wait.UntilAsync(() => standby.Fault is not null, "the primary noticed the loss");
        long dirtied = dirtier.MemoryBytesDirtied;
        await Wait.UntilAsync(() => dirtier.MemoryBytesDirtied > dirtied, "the workload kept running");
        Assert.Equal(WorkloadState.Running, workload.State);
    }
}
