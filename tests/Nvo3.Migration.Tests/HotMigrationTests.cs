using Nvo3.Nva;
namespace Nvo3.Migration.Tests;

[Collection(LoopbackCollection.Name)]
public class HotMigrationTests(ITestOutputHelper output)
{
    private static readonly WorkloadShape Memory64 = new() { MemoryBytes = 64L << 20 };

    [Fact]
    public async Task MigrateHot_DirtyingWorkload_SeveralRoundsVerifiedWithinPredictedLimit()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-hot", Memory64);
        var hooks = new RecordingHooks();
        var reports = new List<MigrationProgress>();
        // 15 MB/s of dirtying against a 100 MB/s link: each round sends about a seventh of the
        // one before (about 10 MB after round 0); 15 ms at 100 MB/s is 1.5 MB, reached after two
        // or three rounds. The ratio leaves room for a starved sender on a busy machine.
        var settings = new PreCopySettings { MaxBandwidth = 100e6, DowntimeLimit = TimeSpan.FromMilliseconds(15) };
        MigrationResult result;
        await using (var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 15e6 }))
        {
            await Task.Delay(100);
            result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, settings, hooks,
                new InlineProgress<MigrationProgress>(p => { lock (reports) { reports.Add(p); } }));
        }
        output.WriteLine($"rounds {result.Rounds}, sent {result.BytesSent / (double)result.MemoryBytes:0.00}x, predicted {result.PredictedDowntime.TotalMilliseconds:0.0} ms, actual pause {result.Downtime.TotalMilliseconds:0.0} ms (hashing {result.VerificationTime.TotalMilliseconds:0.0} ms), bandwidth {result.Bandwidth / 1e6:0} MB/s, total {result.TotalTime.TotalMilliseconds:0} ms");
        foreach (var round in result.RoundFigures)
        {
            output.WriteLine(round.ToString());
        }

        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.Equal(result.SourceHash, result.DestinationHash);
        Assert.True(result.Rounds >= 2, $"only {result.Rounds} round(s)");
        Assert.True(result.BytesSent <= 1.5 * result.MemoryBytes, $"sent {result.BytesSent} for {result.MemoryBytes} of memory");
        Assert.Equal(SwitchoverReason.Converged, result.Switchover);
        Assert.True(result.PredictedDowntime <= settings.DowntimeLimit, $"predicted {result.PredictedDowntime}");
        Assert.True(result.Downtime > TimeSpan.Zero);
        Assert.Equal(["Prepare", "Paused", "Resumed", "Completed"], hooks.Calls);
        Assert.Same(result, hooks.Completed);

        var arrived = agents.Destination.Find("vm-hot");
        Assert.NotNull(arrived);
        Assert.Equal(WorkloadState.Running, arrived.State);
        Assert.Equal(WorkloadState.Stopped, workload.State);
        Assert.Null(agents.Source.Find("vm-hot"));
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
        Assert.Equal(1, agents.Monitor.RunningCopies("vm-hot"));
        Assert.True(arrived.Memory.Content.SequenceEqual(workload.Memory.Content));
        Assert.True(workload.DeviceState.SequenceEqual(arrived.DeviceState));

        Assert.Contains(reports, r => r.Phase == MigrationPhase.PreCopy && r.Round == 1);
        Assert.All(reports.Where(r => r.Phase == MigrationPhase.PreCopy), r => Assert.True(r.Bandwidth > 0));
        Assert.Equal(MigrationPhase.Completed, reports[^1].Phase);
    }

    [Fact]
    public async Task MigrateHot_WriteHeavyDisk_DestinationDiskEqualAndMirrorSendsLittleMore()
    {
        await using var agents = await AgentPair.StartAsync();
        var shape = new WorkloadShape { MemoryBytes = 16L << 20, DiskBytes = 32L << 20, BlockSize = 64 << 10 };
        var workload = agents.Host("vm-disk", shape);
        var settings = new PreCopySettings { MaxBandwidth = 100e6, DowntimeLimit = TimeSpan.FromMilliseconds(30) };
        MigrationResult result;
        long written;
        await using (var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 5e6, DiskRate = 20e6 }))
        {
            await Task.Delay(100);
            long before = dirtier.DiskBytesWritten;
            result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, settings);
            written = dirtier.DiskBytesWritten - before;
        }
        output.WriteLine($"disk {result.DiskBytes}, written during the move {written}, disk bytes sent {result.DiskBytesSent}, rounds {result.Rounds}");

        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.True(written > 0);
        var arrived = agents.Destination.Find("vm-disk")!;
        Assert.True(arrived.Disk.Content.SequenceEqual(workload.Disk.Content), "the disks differ");
        Assert.True(result.DiskBytesSent >= result.DiskBytes);
        Assert.True(result.DiskBytesSent <= 1.3 * (result.DiskBytes + written), $"disk sent {result.DiskBytesSent}");
    }

    [Fact]
    public async Task MigrateHot_DirtyRateAboveBandwidth_StopsAtMaxRoundsAndAutoConvergeThrottles()
    {
        await using var agents = await AgentPair.StartAsync();
        // Five times the link's rate: even a starved dirtier outruns it in every round.
        var workload = agents.Host("vm-busy", new WorkloadShape { MemoryBytes = 8L << 20 });
        var settings = new PreCopySettings { MaxBandwidth = 20e6, DowntimeLimit = TimeSpan.FromMilliseconds(1), MaxRounds = 5, AutoConverge = true };
        MigrationResult result;
        await using (var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 100e6 }))
        {
            result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, settings);
        }
        output.WriteLine($"rounds {result.Rounds}, throttle {result.Throttle}, switchover {result.Switchover}");
        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.Equal(5, result.Rounds);
        Assert.Equal(SwitchoverReason.MaxRounds, result.Switchover);
        Assert.True(result.Throttle >= 0.2, $"throttle {result.Throttle}");
        Assert.Equal(0, workload.Throttle);
        Assert.Equal(0, agents.Destination.Find("vm-busy")!.Throttle);
    }

    [Fact]
    public async Task MigrateCold_DirtyingWorkload_StopsSendsEverythingVerified()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-cold", new WorkloadShape { MemoryBytes = 16L << 20, DiskBytes = 4L << 20 });
        var hooks = new RecordingHooks();
        MigrationResult result;
        await using (var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 20e6, DiskRate = 5e6 }))
        {
            await Task.Delay(50);
            result = await agents.Source.MigrateColdAsync(workload, agents.DestinationEndpoint, new TransferSettings { MaxBandwidth = 200e6 }, hooks);
        }
        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.Equal(0, result.Rounds);
        Assert.Equal(result.MemoryBytes, result.MemoryBytesSent);
        Assert.Equal(result.DiskBytes, result.DiskBytesSent);
        Assert.Equal(["Prepare", "Paused", "Resumed", "Completed"], hooks.Calls);
        Assert.Equal(WorkloadState.Running, agents.Destination.Find("vm-cold")!.State);
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
    }

    [Fact]
    public async Task MigrateHot_NameTakenAtDestination_AbortedAndStillRunsHere()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-twin", new WorkloadShape { MemoryBytes = 1L << 20 });
        agents.Destination.Host(new Workload("vm-twin", new WorkloadShape { MemoryBytes = 1L << 20 }));
        var hooks = new RecordingHooks();
        var result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, hooks: hooks);
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Contains("already holds", result.Reason);
        Assert.Equal(WorkloadState.Running, workload.State);
        Assert.Empty(hooks.Calls);
    }
}

[CollectionDefinition(Name)]
public sealed class LoopbackCollection
{
    /// <summary>Moves over loopback TCP run one at a time: they share two cores with everything else.</summary>
    public const string Name = "loopback migrations";
}
