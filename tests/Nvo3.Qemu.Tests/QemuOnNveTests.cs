using Nvo3.Lab;
using Nvo3.Migration;
using Nvo3.Mobility;
using Nvo3.Mobility.Emulated;
using Nvo3.Mobility.Qemu;
using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Packets;
using Nvo3.Qemu.Image;
using Nvo3.Qemu.Migration;
using Nvo3.Qemu.Qmp;
using Nvo3.Qemu.Vm;

namespace Nvo3.Qemu.Tests;

/// <summary>
/// A QEMU guest whose NIC is an NVE port (a unix datagram socket pair), in an in-process lab of
/// three NVEs with an emulated correspondent at the third; moved by the one move orchestrator with
/// the QEMU driver. One guest boots for the whole class (TCG boots take 5–12 s); every test leaves
/// it running at nve1.
/// </summary>
public sealed class QemuOnNveTests(QemuOnNveTests.Fixture lab) : IClassFixture<QemuOnNveTests.Fixture>
{
    private const uint Vni = 100;
    private static readonly IpAddr GuestIp = IpAddr.Parse("10.0.0.5");
    private static readonly IpAddr PeerIp = IpAddr.Parse("10.0.0.9");
    private static readonly MacAddress GuestMac = MacAddress.Parse("02:4e:33:00:01:05");

    [Fact]
    public async Task GuestOnAnNvePort_AnswersACorrespondentThroughTheNves()
    {
        var fixture = lab.Require();
        await fixture.Peer.PingUntilAnsweredAsync(GuestIp, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(fixture.Peer.Knows(GuestIp, out var mac), "the correspondent resolved the guest");
        Assert.Equal(GuestMac, mac);
        Assert.Equal(PortState.Active, fixture.Nve1.GetPort(Vni, GuestMac)?.State);
    }

    [Fact]
    public async Task HotMove_ThereAndBack_EveryMillisecondPingAnswered_DirectoryFollows()
    {
        var fixture = lab.Require();
        var ct = TestContext.Current.CancellationToken;
        await fixture.Peer.PingUntilAnsweredAsync(GuestIp, TimeSpan.FromSeconds(30), ct);
        // The pings that found the guest may still be answered late (a loaded machine): count from
        // once the replies have stopped coming, so none of theirs is taken for one of the window's.
        await RepliesSettledAsync(fixture.Peer, ct);
        {
            long before0 = fixture.Peer.EchoReplies;
            using var still = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            int sent0 = await PingEveryMillisecondAsync(fixture.Peer, still.Token);
            await Task.Delay(500, ct);
            TestContext.Current.TestOutputHelper!.WriteLine($"no move: sent {sent0}, answered {fixture.Peer.EchoReplies - before0}, nic write failures {fixture.Host1.Find("g1")!.Nic.WriteFailures}");
            Assert.Equal(sent0, fixture.Peer.EchoReplies - before0);
        }
        foreach (var (from, to, fromHost, toHost) in new[] { (fixture.Nve1, fixture.Nve2, fixture.Host1, fixture.Host2), (fixture.Nve2, fixture.Nve1, fixture.Host2, fixture.Host1) })
        {
            long before = fixture.Peer.EchoReplies;
            var fromNic = fromHost.Find("g1")!.Nic;
            long refusedBefore = fromNic.WriteFailures;
            using var pinging = new CancellationTokenSource();
            var pinger = PingEveryMillisecondAsync(fixture.Peer, pinging.Token);
            var driver = new QemuDriver(fromHost, toHost);
            var report = await fixture.NewMove(from, to, MigrationMode.Hot).RunAsync(driver, cancellationToken: ct);
            await Task.Delay(300, ct);
            await pinging.CancelAsync();
            int sent = await pinger;
            try
            {
                await InProcessLab.WaitForAsync(() => fixture.Peer.EchoReplies - before >= sent, "every ping answered", ct, TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                // Counted below.
            }
            long answered = fixture.Peer.EchoReplies - before;
            // A guest too slow to drain its socket (TCG on a loaded machine) makes the NVE's write
            // fail: counted at the port, and not a frame the move lost.
            long refused = fromNic.WriteFailures - refusedBefore + (toHost.Find("g1")?.Nic.WriteFailures ?? 0);
            TestContext.Current.TestOutputHelper!.WriteLine(
                $"qemu hot {from.Name}->{to.Name}: QEMU downtime {driver.LastResult?.DowntimeMs} ms, total {driver.LastResult?.TotalTimeMs} ms, {driver.LastResult?.TransferredBytes} bytes; " +
                $"switchover {report.SwitchoverMs:0.0} ms, activation {report.ActivationMs:0.0} ms; pings sent {sent}, answered {answered}, refused by a full guest socket {refused}, "
                + $"{driver.LeftBehind} left in the socket sent after the guest");

            Assert.Equal(MigrationOutcome.Completed, report.Outcome);
            Assert.NotNull(toHost.Find("g1"));
            Assert.Null(fromHost.Find("g1"));
            Assert.Equal(to.Name, to.View.Bindings[(Vni, GuestMac)].ActiveNve);
            Assert.Equal(PortState.Active, to.GetPort(Vni, GuestMac)?.State);
            Assert.True(driver.LastResult?.DowntimeMs > 0, "QEMU reported its downtime");
            // Only what QEMU took into its own net queue after it stopped the guest (the NIC cannot
            // take it while stopped, and that queue is not migrated): one frame on a quiet machine,
            // two seen under a CPU hog; every later one stays in the socket, and those are read
            // back and sent after the guest. docs/qemu.md says why this is not yet zero.
            Assert.InRange(sent - answered - refused, 0, 2);
        }
    }

    [Fact]
    public async Task DestinationKilledMidMigration_GuestRunsAtTheSource_DirectoryUnchanged()
    {
        var fixture = lab.Require();
        var ct = TestContext.Current.CancellationToken;
        // 16 MiB/s: the 256 MiB guest takes seconds to copy, time to kill its destination while active.
        var slow = new QemuMigrationOptions { Parameters = new MigrationParameters { MaxBandwidth = 16L << 20 } };
        var driver = new QemuDriver(fixture.Host1, fixture.Host2, slow);
        var moving = fixture.NewMove(fixture.Nve1, fixture.Nve2, MigrationMode.Hot).RunAsync(driver, cancellationToken: ct);
        var source = fixture.Host1.Find("g1")!.Vm;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            limit.CancelAfter(TimeSpan.FromSeconds(60));
            while (await source.Qmp.QueryMigrateAsync(limit.Token) is not { Status: MigrationStatus.Active, TransferredBytes: > 0 })
            {
                await Task.Delay(20, limit.Token);
            }
        }
        var destination = fixture.Host2.Arriving("g1");
        Assert.NotNull(destination);
        destination.Kill();
        var report = await moving;

        Assert.Equal(MigrationOutcome.Aborted, report.Outcome);
        Assert.True((await source.Qmp.QueryStatusAsync(ct)).Running, "the guest runs at the source");
        Assert.Equal(fixture.Nve1.Name, fixture.Nve1.View.Bindings[(Vni, GuestMac)].ActiveNve);
        Assert.Null(fixture.Host2.Arriving("g1"));
        Assert.Null(fixture.Nve2.GetPort(Vni, GuestMac));
        await fixture.Peer.PingUntilAnsweredAsync(GuestIp, TimeSpan.FromSeconds(30), ct);
    }

    [Fact]
    public async Task ColdMove_ThereAndBack_GuestAnswersAtEachDestination()
    {
        var fixture = lab.Require();
        var ct = TestContext.Current.CancellationToken;
        foreach (var (from, to, fromHost, toHost) in new[] { (fixture.Nve1, fixture.Nve2, fixture.Host1, fixture.Host2), (fixture.Nve2, fixture.Nve1, fixture.Host2, fixture.Host1) })
        {
            var driver = new QemuDriver(fromHost, toHost);
            var report = await fixture.NewMove(from, to, MigrationMode.Cold).RunAsync(driver, cancellationToken: ct);
            TestContext.Current.TestOutputHelper!.WriteLine($"qemu cold {from.Name}->{to.Name}: stopped {driver.LastResult?.StoppedMs:0} ms, activation {report.ActivationMs:0.0} ms");

            Assert.Equal(MigrationOutcome.Completed, report.Outcome);
            Assert.True((await toHost.Find("g1")!.Vm.Qmp.QueryStatusAsync(ct)).Running, "the guest runs at the destination");
            Assert.Equal(to.Name, to.View.Bindings[(Vni, GuestMac)].ActiveNve);
            await fixture.Peer.PingUntilAnsweredAsync(GuestIp, TimeSpan.FromSeconds(30), ct);
        }
    }

    // Pings the guest every millisecond (sequence numbers 0, 1, …) until cancelled; returns how many.
    private static async Task<int> PingEveryMillisecondAsync(EmulatedVm peer, CancellationToken cancellationToken)
    {
        int sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                peer.Ping(GuestIp, (ushort)sent++);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return sent;
    }

    /// <summary>The lab, its two QEMU hosts, the correspondent at nve3 and guest g1 at nve1 (when QEMU is installed).</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private string? _skip;

        public InProcessLab Lab { get; private set; } = null!;

        public Edge Nve1 { get; private set; } = null!;

        public Edge Nve2 { get; private set; } = null!;

        public QemuHost Host1 { get; private set; } = null!;

        public QemuHost Host2 { get; private set; } = null!;

        public EmulatedVm Peer { get; private set; } = null!;

        public Fixture Require()
        {
            Assert.SkipWhen(_skip is not null, _skip ?? "");
            return this;
        }

        public Move NewMove(Edge from, Edge to, MigrationMode mode) =>
            new(Lab.Client, new MoveRequest("g1", Vni, GuestMac, [GuestIp], mode), new EdgeControl(from), new EdgeControl(to));

        public async ValueTask InitializeAsync()
        {
            if (!Machine.HasQemu(out _skip))
            {
                return;
            }
            var image = await TestImage.GetAsync();
            Lab = await InProcessLab.StartAsync(new LabOptions());
            try
            {
                await StartAsync(image);
            }
            catch
            {
                await DisposeAsync();
                throw;
            }
        }

        private async Task StartAsync(GuestImage image)
        {
            await Lab.Client.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromMilliseconds(500)));
            Nve1 = await Lab.AddNveAsync("nve1");
            Nve2 = await Lab.AddNveAsync("nve2");
            Host1 = new QemuHost(Nve1, Lab.Client, image, QemuAccelerator.Tcg);
            Host2 = new QemuHost(Nve2, Lab.Client, image, QemuAccelerator.Tcg);
            // The correspondent on a third NVE: at the destination NVE itself, its packets would be
            // held by the pre-associated (Pending) port for the whole transfer instead of reaching
            // the source (see docs/qemu.md).
            var nve3 = await Lab.AddNveAsync("nve3");
            Peer = await Lab.AddVmAsync("peer", Vni, MacAddress.Parse("02:4e:33:00:01:09"), PeerIp, null, nve3);
            await Host1.StartGuestAsync(new QemuGuestSpec("g1", Vni, GuestMac, [GuestIp]) { Boot = new GuestBootArguments { Ipv4 = "10.0.0.5/24" } });
        }

        public async ValueTask DisposeAsync()
        {
            if (Lab is null)
            {
                return;
            }
            if (Host1 is not null)
            {
                await Host1.DisposeAsync();
            }
            if (Host2 is not null)
            {
                await Host2.DisposeAsync();
            }
            await Lab.DisposeAsync();
            Lab = null!;
        }
    }

    // Bounded: at most 5 s for the reply count to stay the same over 300 ms.
    private static async Task RepliesSettledAsync(EmulatedVm peer, CancellationToken ct)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        long last = -1;
        while (limit.Elapsed < TimeSpan.FromSeconds(5))
        {
            long now = peer.EchoReplies;
            if (now == last)
            {
                return;
            }
            last = now;
            await Task.Delay(300, ct);
        }
    }
}
