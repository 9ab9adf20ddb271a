using Nvo3.Nva;
using System.Net.Sockets;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration.Tests;

/// <summary>Failures at each step of a hot move: the workload ends up running in exactly one place and the hooks hear the right outcome.</summary>
[Collection(LoopbackCollection.Name)]
public class FaultTests
{
    private static readonly WorkloadShape Shape = new() { MemoryBytes = 32L << 20, DiskBytes = 4L << 20 };
    private static readonly PreCopySettings Slow = new() { MaxBandwidth = 100e6, DowntimeLimit = TimeSpan.FromMilliseconds(50) };

    private static async Task<(MigrationResult Result, Workload Workload)> MoveAsync(AgentPair agents, string name, RecordingHooks hooks,
        Action<MigrationProgress>? onProgress = null, PreCopySettings? settings = null)
    {
        var workload = agents.Host(name, Shape);
        await using var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 10e6, DiskRate = 2e6 });
        var result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, settings ?? Slow, hooks,
            onProgress is null ? null : new InlineProgress<MigrationProgress>(onProgress));
        return (result, workload);
    }

    private static async Task AssertRunsOnlyAtSourceAsync(AgentPair agents, Workload workload, MigrationResult result, Guid id)
    {
        Assert.Equal(WorkloadState.Running, workload.State);
        Assert.Same(workload, agents.Source.Find(workload.Name));
        await Wait.UntilAsync(() => agents.Destination.StatusOf(id) is MigrationStatus.Discarded or MigrationStatus.Unknown, "the destination discarded its copy");
        Assert.Null(agents.Destination.Find(workload.Name));
        Assert.Equal(1, agents.Monitor.RunningCopies(workload.Name));
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
        Assert.False(result.StateVerified);
    }

    [Fact]
    public async Task ConnectionCutDuringPreCopy_AbortedRunsAtSource()
    {
        await using var agents = await AgentPair.StartAsync();
        var hooks = new RecordingHooks();
        // A limit no round meets, so the cut after round 0 lands in round 1, before any pause.
        var (result, workload) = await MoveAsync(agents, "vm-cut", hooks, p =>
        {
            if (p.Phase == MigrationPhase.PreCopy && p.Round == 0)
            {
                agents.Source.DropConnections();
            }
        }, Slow with { DowntimeLimit = TimeSpan.FromTicks(1) });
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Equal(["Prepare", "Aborted"], hooks.Calls);
        Assert.Equal(result.Reason, hooks.AbortReason);
        await AssertRunsOnlyAtSourceAsync(agents, workload, result, result.Id);
    }

    [Fact]
    public async Task DestinationStoppedDuringPreCopy_AbortedRunsAtSource()
    {
        await using var agents = await AgentPair.StartAsync();
        var hooks = new RecordingHooks();
        Task? stopping = null;
        var (result, workload) = await MoveAsync(agents, "vm-dest-down", hooks, p =>
        {
            if (p.Phase == MigrationPhase.PreCopy && stopping is null)
            {
                stopping = agents.Destination.DisposeAsync().AsTask();
            }
        }, Slow with { DowntimeLimit = TimeSpan.FromTicks(1) });
        await stopping!;
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Equal(["Prepare", "Aborted"], hooks.Calls);
        Assert.Equal(WorkloadState.Running, workload.State);
        Assert.Equal(1, agents.Monitor.RunningCopies("vm-dest-down"));
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
    }

    [Fact]
    public async Task DestinationStoppedWhilePaused_AbortedResumesAtSource()
    {
        await using var agents = await AgentPair.StartAsync();
        var hooks = new RecordingHooks { OnPaused = async () => await agents.Destination.DisposeAsync() };
        var (result, workload) = await MoveAsync(agents, "vm-dest-down2", hooks);
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Equal(["Prepare", "Paused", "Aborted"], hooks.Calls);
        Assert.Equal(WorkloadState.Running, workload.State);
        Assert.Equal(1, agents.Monitor.RunningCopies("vm-dest-down2"));
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
        Assert.True(result.Downtime > TimeSpan.Zero);
    }

    [Fact]
    public async Task SourceStoppedAfterSwitchover_DestinationRunsCompleted()
    {
        await using var agents = await AgentPair.StartAsync();
        var hooks = new RecordingHooks { OnResumed = async () => await agents.Source.DisposeAsync() };
        var (result, workload) = await MoveAsync(agents, "vm-src-down", hooks);
        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
        Assert.Equal(["Prepare", "Paused", "Resumed", "Completed"], hooks.Calls);
        Assert.Equal(WorkloadState.Stopped, workload.State);
        Assert.Equal(WorkloadState.Running, agents.Destination.Find("vm-src-down")!.State);
        Assert.Equal(1, agents.Monitor.RunningCopies("vm-src-down"));
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
    }

    [Fact]
    public async Task ResumedAnswerLost_SourceAsksAndCompletes()
    {
        await using var agents = await AgentPair.StartAsync();
        // The destination's connections reset the moment its copy runs: Resumed never leaves.
        agents.Destination.WorkloadArrived += w => w.StateChanged += (_, state) =>
        {
            if (state == WorkloadState.Running)
            {
                agents.Destination.DropConnections();
            }
        };
        var hooks = new RecordingHooks();
        var (result, workload) = await MoveAsync(agents, "vm-lost-answer", hooks);
        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.Equal(MigrationStatus.Running, agents.Destination.StatusOf(result.Id));
        Assert.Equal(["Prepare", "Paused", "Resumed", "Completed"], hooks.Calls);
        Assert.Equal(WorkloadState.Stopped, workload.State);
        Assert.Equal(1, agents.Monitor.RunningCopies("vm-lost-answer"));
        Assert.Equal(1, agents.Monitor.MaxConcurrent);
    }

    [Fact]
    public async Task ActivationNeverSent_SourceAsksAndResumesHere()
    {
        await using var agents = await AgentPair.StartAsync();
        agents.Source.Faults.BeforeActivateSent = () =>
        {
            agents.Source.DropConnections();
            return Task.CompletedTask;
        };
        var hooks = new RecordingHooks();
        var (result, workload) = await MoveAsync(agents, "vm-no-activation", hooks);
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Contains("discarded", result.Reason);
        Assert.Equal(["Prepare", "Paused", "Aborted"], hooks.Calls);
        await AssertRunsOnlyAtSourceAsync(agents, workload, result, result.Id);
    }

    [Fact]
    public async Task ActivationFateUnknown_SourceStaysPausedInDoubt()
    {
        await using var agents = await AgentPair.StartAsync();
        // The destination server goes down just as the activation leaves: from the source's
        // side this looks the same as a destination that ran the workload and then went down.
        agents.Source.Faults.BeforeActivateSent = async () => await agents.Destination.DisposeAsync();
        var hooks = new RecordingHooks();
        var settings = Slow with { ResolveAttempts = 2, ResolveInterval = TimeSpan.FromMilliseconds(10) };
        var (result, workload) = await MoveAsync(agents, "vm-doubt", hooks, settings: settings);
        // The source cannot rule out that it runs there: it must not run it again on its own.
        Assert.Equal(MigrationOutcome.InDoubt, result.Outcome);
        Assert.Equal(WorkloadState.Paused, workload.State);
        Assert.Throws<InvalidOperationException>(workload.Resume);
        Assert.Equal(["Prepare", "Paused"], hooks.Calls);
        Assert.True(agents.Monitor.MaxConcurrent <= 1);
    }

    [Fact]
    public async Task PrepareHookFails_AbortedBeforeAnyStateMoves()
    {
        await using var agents = await AgentPair.StartAsync();
        var hooks = new RecordingHooks { OnPrepare = () => throw new InvalidOperationException("binding is sticky") };
        var (result, workload) = await MoveAsync(agents, "vm-sticky", hooks);
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Contains("Prepare hook failed: binding is sticky", result.Reason);
        Assert.Equal(0, result.MemoryBytesSent);
        Assert.Equal(["Prepare", "Aborted"], hooks.Calls);
        await AssertRunsOnlyAtSourceAsync(agents, workload, result, result.Id);
    }

    [Fact]
    public async Task PausedHookAborts_ResumesAtSource()
    {
        await using var agents = await AgentPair.StartAsync();
        var hooks = new RecordingHooks { OnPaused = () => throw new MigrationAbortException("the redirect could not be installed") };
        var (result, workload) = await MoveAsync(agents, "vm-no-redirect", hooks);
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Contains("Paused hook aborted the move: the redirect could not be installed", result.Reason);
        Assert.Equal(["Prepare", "Paused", "Aborted"], hooks.Calls);
        await AssertRunsOnlyAtSourceAsync(agents, workload, result, result.Id);
    }

    [Fact]
    public async Task Cancelled_AbortedRunsAtSource()
    {
        await using var agents = await AgentPair.StartAsync();
        var workload = agents.Host("vm-cancel", Shape);
        using var cancel = new CancellationTokenSource();
        var hooks = new RecordingHooks();
        var result = await agents.Source.MigrateHotAsync(workload, agents.DestinationEndpoint, Slow, hooks,
            new InlineProgress<MigrationProgress>(p =>
            {
                if (p.Phase == MigrationPhase.PreCopy)
                {
                    cancel.Cancel();
                }
            }), cancel.Token);
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.Equal("The move was cancelled.", result.Reason);
        await AssertRunsOnlyAtSourceAsync(agents, workload, result, result.Id);
    }

    [Fact]
    public async Task Listener_Garbage_RefusedAndStillServes()
    {
        await using var agents = await AgentPair.StartAsync();
        var random = new Random(3);
        for (int i = 0; i < 20; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(agents.DestinationEndpoint);
            var junk = new byte[random.Next(1, 2000)];
            random.NextBytes(junk);
            if (i % 2 == 1)
            {
                // A valid header in front of junk: passes the header check, fails the payload check.
                var framed = new MemoryStream();
                await new FrameWriter(framed).SendAsync(FrameType.Hello, junk);
                junk = framed.ToArray();
                junk[^1] ^= 0xFF;
            }
            var stream = client.GetStream();
            await stream.WriteAsync(junk);
            client.Client.Shutdown(SocketShutdown.Send);
            // The agent answers Abort with the reason and closes (a reset when it left our bytes
            // unread); it never hangs or crashes.
            var buffer = new byte[4096];
            try
            {
                while (await stream.ReadAsync(buffer) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }
        var workload = agents.Host("vm-after-junk", new WorkloadShape { MemoryBytes = 1L << 20 });
        var result = await agents.Source.MigrateColdAsync(workload, agents.DestinationEndpoint);
        Assert.Equal(MigrationOutcome.Completed, result.Outcome);
        Assert.True(result.StateVerified);
    }
}
