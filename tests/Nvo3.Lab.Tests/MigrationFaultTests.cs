using Nvo3.Migration;
using Nvo3.Nva;
using Nvo3.Nve;
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

    public async ValueTask InitializeAsync()
    {
        _lab = await InProcessLab.StartAsync(new LabOptions());
        await _lab.Client.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromMilliseconds(500)));
        foreach (var name in new[] { "a", "b", "c" })
        {
            await _lab.AddNveAsync(name);
        }
        _vm = (await _lab.Host(_lab.Nve("a")).StartVmAsync("vm1", Vni, MacAddress.Parse("02:00:00:00:02:01"), [IpAddr.Parse("10.0.0.21")],
            new WorkloadShape { MemoryBytes = 16L << 20, DiskBytes = 4L << 20 }, dirtying: null)).Vm;
        _peer = await _lab.AddVmAsync("peer", Vni, MacAddress.Parse("02:00:00:00:02:03"), IpAddr.Parse("10.0.0.23"), null, _lab.Nve("c"));
    }

    public async ValueTask DisposeAsync() => await _lab.DisposeAsync();

    // A slow link (4 MB/s), so the pre-copy of 20 MiB lasts long enough to be interrupted.
    private static readonly PreCopySettings s_slow = new() { MaxBandwidth = 4_000_000, DowntimeLimit = TimeSpan.FromMilliseconds(20) };

    // The move through the one orchestrator, with a fault injected from its progress reports.
    private async Task<(MoveReport Report, Move Move)> MoveWithFaultAsync(Action<MigrationProgress> onProgress, IArrivals? destination = null, PreCopySettings? settings = null)
    {
        var (a, b) = (_lab.Nve("a"), _lab.Nve("b"));
        var move = _lab.NewMove(_vm, Vni, a, b);
        var driver = new EmulatedDriver(_lab.Host(a), destination ?? _lab.Host(b), new EmulatedMoveSettings { PreCopy = settings ?? s_slow });
        var report = await move.RunAsync(driver, new SynchronousProgress(onProgress), TestContext.Current.CancellationToken);
        return (report, move);
    }

    private async Task AssertRunsOnlyAtTheSourceAsync(MoveReport report, Move move)
    {
        Assert.Equal(MigrationOutcome.Aborted, report.Outcome);
        Assert.False(string.IsNullOrEmpty(report.Reason));
        Assert.Empty(report.LateFailures); // every step of the abort ran
        Assert.Equal(WorkloadState.Running, _lab.Agent(_lab.Nve("a")).Find("vm1")!.State);
        Assert.NotEqual(WorkloadState.Running, _lab.Agent(_lab.Nve("b")).Find("vm1")?.State ?? WorkloadState.Stopped);
        var binding = (await _lab.Client.ListBindingsAsync(Vni)).Single(b => b.Name == "vm1");
        Assert.Equal("a", binding.ActiveNve);
        Assert.Null(binding.At("b")); // the destination's pre-association is gone
        Assert.Null(binding.MigrationId);
        Assert.Equal(Nva.MigrationPhase.Aborted, (await _lab.Client.GetMigrationAsync(move.Record!.Id)).Phase);
        Assert.Empty(await _lab.Client.ListRedirectsAsync());
        Assert.Null(_lab.Nve("b").GetPort(Vni, _vm.Mac)); // the arriving port went with the move
        Assert.Equal(PortState.Active, _lab.Nve("a").GetPort(Vni, _vm.Mac)!.State);
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
        int cut = 0;

        var (report, move) = await MoveWithFaultAsync(p =>
        {
            if (p.Phase == Nvo3.Nva.MigrationPhase.PreCopy && p.BytesSent > 1_000_000 && Interlocked.Exchange(ref cut, 1) == 0)
            {
                _lab.Agent(_lab.Nve("a")).DropConnections();
            }
        });

        Assert.Equal(1, cut);
        await AssertRunsOnlyAtTheSourceAsync(report, move);
    }

    [Fact]
    public async Task DestinationAgentKilledBeforeSwitchover_AbortsAndTheWorkloadRunsAtTheSource()
    {
        Task? killed = null;

        var (report, move) = await MoveWithFaultAsync(p =>
        {
            if (p.Phase == Nvo3.Nva.MigrationPhase.PreCopy && p.BytesSent > 1_000_000 && killed is null)
            {
                killed = _lab.Agent(_lab.Nve("b")).DisposeAsync().AsTask();
            }
        });

        Assert.NotNull(killed);
        await killed;
        await AssertRunsOnlyAtTheSourceAsync(report, move);
    }

    [Fact]
    public async Task SourceKilledAfterSwitchover_TheDestinationRunsAndTheDirectorySaysSo()
    {
        var arrivals = new KillSourceOnArrival(_lab.Host(_lab.Nve("b")), _lab.Agent(_lab.Nve("a")));

        var (report, _) = await MoveWithFaultAsync(_ => { }, arrivals, new PreCopySettings { MaxBandwidth = 100_000_000, DowntimeLimit = TimeSpan.FromMilliseconds(20) });

        Assert.True(arrivals.Killed);
        Assert.Equal(MigrationOutcome.Completed, report.Outcome); // the destination answered Resumed: the move is done
        Assert.True(report.Transfer!.StateVerified);
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
    private sealed class KillSourceOnArrival(IArrivals inner, MigrationAgent source) : IArrivals
    {
        public bool Killed { get; private set; }

        public Task<System.Net.EndPoint> PrepareAsync(Arrival arrival, CancellationToken cancellationToken) => inner.PrepareAsync(arrival, cancellationToken);

        public async Task ArriveAsync(Arrival arrival, HostedVm? moving, CancellationToken cancellationToken)
        {
            await inner.ArriveAsync(arrival, moving, cancellationToken);
            _ = source.DisposeAsync().AsTask(); // the source's host goes down: nothing of it may run again
            Killed = true;
        }

        public Task CancelAsync(Arrival arrival, CancellationToken cancellationToken) => inner.CancelAsync(arrival, cancellationToken);
    }

    // Progress<T> posts to the thread pool; a fault must be injected at the report itself.
    private sealed class SynchronousProgress(Action<MigrationProgress> report) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => report(value);
    }
}
