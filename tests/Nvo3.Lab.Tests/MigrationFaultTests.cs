using Nvo3.Migration;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Lab.Tests;

/// <summary>
/// Faults during a move through the whole lab (NVA, NVEs, agents): the transfer cut, the
/// destination agent killed before the switchover, the source killed after it. Each ends with
/// the workload running in exactly one place, the directory saying the same, and the outcome
/// reported.
/// </summary>
public sealed class MigrationFaultTests : IAsyncLifetime
{
    private const uint Vni = 100;
    private InProcessLab _lab = null!;
    private EmulatedVm _vm = null!;
    private EmulatedVm _peer = null!;
    private Workload _workload = null!;

    public async ValueTask InitializeAsync()
    {
        _lab = await InProcessLab.StartAsync(new LabOptions());
        await _lab.Client.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromMilliseconds(500)));
        foreach (var name in new[] { "a", "b", "c" })
        {
            await _lab.AddNveAsync(name);
        }
        _vm = await _lab.AddVmAsync("vm1", Vni, MacAddress.Parse("02:00:00:00:02:01"), IpAddr.Parse("10.0.0.21"), null, _lab.Nve("a"));
        _peer = await _lab.AddVmAsync("peer", Vni, MacAddress.Parse("02:00:00:00:02:03"), IpAddr.Parse("10.0.0.23"), null, _lab.Nve("c"));
        _workload = new Workload("vm1", new WorkloadShape { MemoryBytes = 16L << 20, DiskBytes = 4L << 20 });
        _workload.Fill(3);
        _lab.Agent(_lab.Nve("a")).Host(_workload);
    }

    public async ValueTask DisposeAsync() => await _lab.DisposeAsync();

    // A slow link (4 MB/s), so the pre-copy of 20 MiB lasts long enough to be interrupted.
    private static readonly PreCopySettings s_slow = new() { MaxBandwidth = 4_000_000, DowntimeLimit = TimeSpan.FromMilliseconds(20) };

    private async Task<MigrationResult> MoveWithFaultAsync(Action<MigrationProgress> onProgress, LabMove move)
    {
        var hooks = new LabMigrationHooks(move);
        var progress = new SynchronousProgress(onProgress);
        return await _lab.Agent(_lab.Nve("a")).MigrateHotAsync(_workload, _lab.Agent(_lab.Nve("b")).Endpoint, s_slow, hooks, progress, TestContext.Current.CancellationToken);
    }

    private async Task AssertRunsOnlyAtTheSourceAsync(MigrationResult result, LabMove move)
    {
        Assert.Equal(MigrationOutcome.Aborted, result.Outcome);
        Assert.False(string.IsNullOrEmpty(result.Reason));
        Assert.Equal(WorkloadState.Running, _lab.Agent(_lab.Nve("a")).Find("vm1")!.State);
        Assert.NotEqual(WorkloadState.Running, _lab.Agent(_lab.Nve("b")).Find("vm1")?.State ?? WorkloadState.Stopped);
        var binding = (await _lab.Client.ListBindingsAsync(Vni)).Single(b => b.Name == "vm1");
        Assert.Equal("a", binding.ActiveNve);
        Assert.Null(binding.At("b")); // the destination's pre-association is gone
        Assert.Null(binding.MigrationId);
        Assert.Equal(Nva.MigrationPhase.Aborted, (await _lab.Client.GetMigrationAsync(move.Migration!.Id)).Phase);
        Assert.Empty(await _lab.Client.ListRedirectsAsync());
        // And it still answers where it is.
        long before = _vm.Probes.Unique;
        for (int i = 0; i < 5; i++)
        {
            _peer.SendProbe(_vm.IPv4!.Value, 100_000 + i);
        }
        await InProcessLab.WaitForAsync(() => _vm.Probes.Unique >= before + 5, "probes to reach it at the source");
    }

    [Fact]
    public async Task TransferCutMidway_AbortsAndTheWorkloadRunsAtTheSource()
    {
        var move = new LabMove(_lab, _vm, Vni, _lab.Nve("a"), _lab.Nve("b"));
        int cut = 0;

        var result = await MoveWithFaultAsync(p =>
        {
            if (p.Phase == Nvo3.Nva.MigrationPhase.PreCopy && p.BytesSent > 1_000_000 && Interlocked.Exchange(ref cut, 1) == 0)
            {
                _lab.Agent(_lab.Nve("a")).DropConnections();
            }
        }, move);

        Assert.Equal(1, cut);
        await AssertRunsOnlyAtTheSourceAsync(result, move);
    }

    [Fact]
    public async Task DestinationAgentKilledBeforeSwitchover_AbortsAndTheWorkloadRunsAtTheSource()
    {
        var move = new LabMove(_lab, _vm, Vni, _lab.Nve("a"), _lab.Nve("b"));
        Task? killed = null;

        var result = await MoveWithFaultAsync(p =>
        {
            if (p.Phase == Nvo3.Nva.MigrationPhase.PreCopy && p.BytesSent > 1_000_000 && killed is null)
            {
                killed = _lab.Agent(_lab.Nve("b")).DisposeAsync().AsTask();
            }
        }, move);

        Assert.NotNull(killed);
        await killed;
        await AssertRunsOnlyAtTheSourceAsync(result, move);
    }

    [Fact]
    public async Task SourceKilledAfterSwitchover_TheDestinationRunsAndTheDirectorySaysSo()
    {
        var move = new LabMove(_lab, _vm, Vni, _lab.Nve("a"), _lab.Nve("b"));
        var hooks = new KillSourceOnResume(new LabMigrationHooks(move), _lab.Agent(_lab.Nve("a")));

        var result = await _lab.Agent(_lab.Nve("a")).MigrateHotAsync(_workload, _lab.Agent(_lab.Nve("b")).Endpoint,
            new PreCopySettings { MaxBandwidth = 100_000_000, DowntimeLimit = TimeSpan.FromMilliseconds(20) }, hooks, null, TestContext.Current.CancellationToken);

        Assert.True(hooks.Killed);
        Assert.Equal(MigrationOutcome.Completed, result.Outcome); // the destination answered Resumed: the move is done
        Assert.True(result.StateVerified);
        Assert.Equal(WorkloadState.Running, _lab.Agent(_lab.Nve("b")).Find("vm1")!.State);
        var binding = (await _lab.Client.ListBindingsAsync(Vni)).Single(b => b.Name == "vm1");
        Assert.Equal("b", binding.ActiveNve);
        long before = _vm.Probes.Unique;
        for (int i = 0; i < 5; i++)
        {
            _peer.SendProbe(_vm.IPv4!.Value, 200_000 + i);
        }
        await InProcessLab.WaitForAsync(() => _vm.Probes.Unique >= before + 5, "probes to reach it at the destination");
    }

    // Kills the source's agent the moment the destination runs: after the commit point.
    private sealed class KillSourceOnResume(IMigrationHooks inner, MigrationAgent source) : IMigrationHooks
    {
        public bool Killed { get; private set; }

        public ValueTask PrepareAsync(MigrationContext migration, CancellationToken cancellationToken) => inner.PrepareAsync(migration, cancellationToken);

        public ValueTask PausedAsync(MigrationContext migration, CancellationToken cancellationToken) => inner.PausedAsync(migration, cancellationToken);

        public async ValueTask ResumedAsync(MigrationContext migration, CancellationToken cancellationToken)
        {
            await inner.ResumedAsync(migration, cancellationToken);
            _ = source.DisposeAsync().AsTask(); // the source's host goes down: nothing of it may run again
            Killed = true;
        }

        public ValueTask CompletedAsync(MigrationContext migration, MigrationResult result, CancellationToken cancellationToken) => inner.CompletedAsync(migration, result, cancellationToken);

        public ValueTask AbortedAsync(MigrationContext migration, string reason, CancellationToken cancellationToken) => inner.AbortedAsync(migration, reason, cancellationToken);
    }

    // Progress<T> posts to the thread pool; a fault must be injected at the report itself.
    private sealed class SynchronousProgress(Action<MigrationProgress> report) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => report(value);
    }
}
