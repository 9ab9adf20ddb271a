using Nvo3.Nva;
namespace Nvo3.Migration.Tests;

[Collection(LoopbackCollection.Name)]
public class HotMigrationTests(ITestOutputHelper output)
{
    private static readonly WorkloadShape Memory64 = new() { MemoryBytes = 64L << 20 };

    [Fact]
    public async Task MigrateHot_DirtiedDuringTwoRounds_ConvergesInTheThirdVerified()
    {
        // A downtime limit of 100 ns switches over only when nothing is left (one page would need
        // 40 GB/s to fit in it): the workload is
        // dirtied while rounds 0 and 1 are sent and no more, so round 2 leaves nothing, whatever
        // the machine's speed (the dirtying keeps pace with the transfer, not with the clock).
        var shape = new WorkloadShape { MemoryBytes = 16L << 20 };
        var paced = new PacedDirtying(pagesPerRead: 4, blocksPerRead: 0) { StopAfterRound = 2 };
        await using var agents = await AgentPair.StartAsync(paced);
        var workload = paced.Target = agents.Host("vm-hot", shape);
        var hooks = new RecordingHooks();
        var reports = new List<MigrationProgress>();
        var settings = new PreCopySettings { DowntimeLimit = TimeSpan.FromTicks(1) };

        var result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, settings, hooks,
            new InlineProgress<MigrationProgress>(p => { paced.Progress.Report(p); lock (reports) { reports.Add(p); } }));
        output.WriteLine($"rounds {result.Rounds}, page writes {paced.PageWrites}, pages per round {string.Join(" ", result.RoundFigures.Select(r => r.Pages))}");

        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.Equal(result.SourceHash, result.DestinationHash);
        Assert.Equal(3, result.Rounds);
        Assert.Equal(SwitchoverReason.Converged, result.Switchover);
        Assert.Equal(TimeSpan.Zero, result.PredictedDowntime);
        // Round 0 sends every page; later rounds resend a page only if it was written meanwhile.
        Assert.Equal(shape.MemoryBytes / Workload.PageSize, result.RoundFigures[0].Pages);
        Assert.InRange(result.MemoryBytesSent, shape.MemoryBytes + Workload.PageSize, shape.MemoryBytes + paced.PageWrites * Workload.PageSize);
        Assert.Equal(result.RoundFigures.Sum(r => (long)r.Pages) * Workload.PageSize, result.MemoryBytesSent);
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

        Assert.Equal([0, 1, 2], reports.Where(r => r.Phase == MigrationPhase.PreCopy).Select(r => r.Round));
        Assert.All(reports.Where(r => r.Phase == MigrationPhase.PreCopy), r => Assert.True(r.Bandwidth > 0));
        Assert.Equal(MigrationPhase.Completed, reports[^1].Phase);
    }

    [Fact]
    public async Task MigrateHot_DiskWrittenDuringTheMove_DestinationDiskEqualAndEachWrittenBlockResentAtMostOnce()
    {
        var shape = new WorkloadShape { MemoryBytes = 4L << 20, DiskBytes = 32L << 20, BlockSize = 64 << 10 };
        var paced = new PacedDirtying(pagesPerRead: 1, blocksPerRead: 2) { StopAfterRound = 2 };
        await using var agents = await AgentPair.StartAsync(paced);
        var workload = paced.Target = agents.Host("vm-disk", shape);

        var result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, new PreCopySettings { DowntimeLimit = TimeSpan.FromTicks(1) }, progress: paced.Progress);
        output.WriteLine($"disk {result.DiskBytes}, block writes {paced.BlockWrites}, disk bytes sent {result.DiskBytesSent}, rounds {result.Rounds}");

        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.True(paced.BlockWrites > 0);
        var arrived = agents.Destination.Find("vm-disk")!;
        Assert.True(arrived.Disk.Content.SequenceEqual(workload.Disk.Content), "the disks differ");
        Assert.InRange(result.DiskBytesSent, result.DiskBytes + shape.BlockSize, result.DiskBytes + paced.BlockWrites * shape.BlockSize);
    }

    [Fact]
    public async Task MigrateHot_DirtiedInEveryRound_StopsAtMaxRoundsAndAutoConvergeThrottlesEachRoundAfterTheFirst()
    {
        var shape = new WorkloadShape { MemoryBytes = 8L << 20 };
        // Every read of the clock rewrites every page: each round leaves all of memory dirty again.
        var paced = new PacedDirtying(pagesPerRead: (int)(shape.MemoryBytes / Workload.PageSize), blocksPerRead: 0);
        await using var agents = await AgentPair.StartAsync(paced);
        var workload = paced.Target = agents.Host("vm-busy", shape);
        var settings = new PreCopySettings { DowntimeLimit = TimeSpan.FromTicks(1), MaxRounds = 5, AutoConverge = true };

        var result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, settings, progress: paced.Progress);
        output.WriteLine($"rounds {result.Rounds}, throttle {result.Throttle}, switchover {result.Switchover}");

        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.Equal(5, result.Rounds);
        Assert.Equal(SwitchoverReason.MaxRounds, result.Switchover);
        // Rounds 1, 2 and 3 each dirtied more than half of what they sent: 20 %, then +10 % twice.
        Assert.Equal(settings.ThrottleInitial + 2 * settings.ThrottleIncrement, result.Throttle, 1e-9);
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
