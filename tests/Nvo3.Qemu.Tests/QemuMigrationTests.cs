using Nvo3.Qemu.Migration;
using Nvo3.Qemu.Qmp;

namespace Nvo3.Qemu.Tests;

/// <summary>Real guests moved between two QEMU processes on loopback: hot with pause-before-switchover, cold, cancelled, and a destination killed.</summary>
public class QemuMigrationTests
{
    private static readonly QemuMigrationOptions Slow = new()
    {
        // 4 MiB/s: a 256 MiB guest takes seconds, long enough to interrupt it mid-way.
        Parameters = new MigrationParameters { MaxBandwidth = 4L << 20 },
    };

    [Fact]
    public async Task HotAsync_PauseBeforeSwitchover_GuestAnswersAtTheDestinationAndSourceIsPostmigrate()
    {
        Machine.RequireRootQemu();
        await using var pair = await GuestPair.StartAsync();
        var migration = new QemuMigration(pair.Source, pair.Destination);
        var atSwitchover = new List<(string Migration, QemuRunStatus Source)>();
        var progress = new List<MigrationInfo>();

        var result = await migration.HotAsync(async (info, ct) =>
            atSwitchover.Add((info.Status, await pair.Source.Qmp.QueryStatusAsync(ct))), new SynchronousProgress<MigrationInfo>(progress.Add));

        TestContext.Current.TestOutputHelper?.WriteLine($"hot: total {result.TotalTimeMs} ms, QEMU downtime {result.DowntimeMs} ms, {result.TransferredBytes} bytes, {result.Rounds} rounds, switchover {result.SwitchoverMs:0.0} ms, wall {result.WallMs:0} ms");
        var (status, source) = Assert.Single(atSwitchover);
        Assert.Equal(MigrationStatus.PreSwitchover, status);
        Assert.False(source.Running, "the source is paused at pre-switchover");
        Assert.NotNull(result.DowntimeMs);
        Assert.True(result.TotalTimeMs > 0, "QEMU's total time is read after it is computed");
        Assert.True(result.TransferredBytes > 0 && result.Rounds >= 1);
        Assert.Contains(progress, p => p.Status == MigrationStatus.PreSwitchover);
        Assert.Equal(QemuRunStatus.PostMigrate, (await pair.Source.Qmp.QueryStatusAsync()).Status);
        Assert.True((await pair.Destination.Qmp.QueryStatusAsync()).Running);
        Assert.True(TestNetwork.PingUntilAnswered(pair.DestinationNetns, GuestPair.GuestIp, TimeSpan.FromSeconds(10)), "the guest answers at the destination");
        Assert.Equal("after the move", Echo.Udp(pair.DestinationNetns, GuestPair.GuestIp, "after the move"));
    }

    [Fact]
    public async Task CancelAsync_MidMigration_GuestKeepsRunningAtTheSource()
    {
        Machine.RequireRootQemu();
        await using var pair = await GuestPair.StartAsync();
        var migration = new QemuMigration(pair.Source, pair.Destination, Slow);
        await migration.PrepareDestinationAsync();
        await migration.StartAsync();
        await WaitForTransferAsync(migration);

        string final = await migration.CancelAsync();

        Assert.Equal(MigrationStatus.Cancelled, final);
        Assert.True((await pair.Source.Qmp.QueryStatusAsync()).Running);
        Assert.Equal(3, TestNetwork.Ping(pair.SourceNetns, GuestPair.GuestIp));
        // An incoming migration that breaks off ends the destination QEMU (it exits with 1).
        Assert.True(await pair.Destination.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the destination QEMU exits");
    }

    [Fact]
    public async Task CancelAsync_AtPreSwitchover_SourceResumes()
    {
        Machine.RequireRootQemu();
        await using var pair = await GuestPair.StartAsync();
        var migration = new QemuMigration(pair.Source, pair.Destination);
        await migration.PrepareDestinationAsync();
        await migration.StartAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Assert.Equal(MigrationStatus.PreSwitchover, (await migration.WaitForSwitchoverAsync(cancellationToken: bound.Token)).Status);
        Assert.False((await pair.Source.Qmp.QueryStatusAsync()).Running);

        await migration.CancelAsync(bound.Token);

        Assert.True((await pair.Source.Qmp.QueryStatusAsync()).Running);
        Assert.True(TestNetwork.PingUntilAnswered(pair.SourceNetns, GuestPair.GuestIp, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task DestinationKilled_MidMigration_SourceStillRuns()
    {
        Machine.RequireRootQemu();
        await using var pair = await GuestPair.StartAsync();
        var migration = new QemuMigration(pair.Source, pair.Destination, Slow);
        await migration.PrepareDestinationAsync();
        await migration.StartAsync();
        await WaitForTransferAsync(migration);

        pair.Destination.Kill();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ex = await Assert.ThrowsAsync<QemuMigrationException>(() => migration.WaitForSwitchoverAsync(cancellationToken: bound.Token));

        Assert.Equal(MigrationStatus.Failed, ex.Status);
        Assert.True(ex.SourceStillRuns);
        Assert.True((await pair.Source.Qmp.QueryStatusAsync()).Running);
        Assert.Equal(3, TestNetwork.Ping(pair.SourceNetns, GuestPair.GuestIp));
    }

    [Fact]
    public async Task ColdAsync_StoppedGuest_ContinuesAtTheDestination()
    {
        Machine.RequireRootQemu();
        await using var pair = await GuestPair.StartAsync();
        var migration = new QemuMigration(pair.Source, pair.Destination);

        var result = await migration.ColdAsync();

        TestContext.Current.TestOutputHelper?.WriteLine($"cold: stopped {result.StoppedMs:0} ms, QEMU total {result.TotalTimeMs} ms, {result.TransferredBytes} bytes");
        Assert.True(result.StoppedMs > 0);
        Assert.Equal(QemuRunStatus.PostMigrate, (await pair.Source.Qmp.QueryStatusAsync()).Status);
        Assert.True((await pair.Destination.Qmp.QueryStatusAsync()).Running);
        Assert.True(TestNetwork.PingUntilAnswered(pair.DestinationNetns, GuestPair.GuestIp, TimeSpan.FromSeconds(10)));
        Assert.Equal("tcp after cold\n", await Echo.TcpAsync(pair.DestinationNetns, GuestPair.GuestIp, "tcp after cold\n"));
    }

    // Bounded: until QEMU has sent a first MiB of the guest.
    private static async Task WaitForTransferAsync(QemuMigration migration)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var info = await migration.Source.Qmp.QueryMigrateAsync(bound.Token);
            if (info.Status == MigrationStatus.Active && info.TransferredBytes > (1 << 20))
            {
                return;
            }
            Assert.False(MigrationStatus.IsFinal(info.Status), $"the migration ended early: {info.Status}");
            await Task.Delay(50, bound.Token);
        }
    }
}
