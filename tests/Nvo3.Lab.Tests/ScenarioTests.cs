using System.Net.Sockets;
using Nvo3.Lab;

namespace Nvo3.Lab.Tests;

/// <summary>
/// The demo's scenarios, run as a user runs them. The verdict is read from the raw probe log
/// (<see cref="RawProbes"/>), then the lab's own figures and verdict must agree with it. Zero loss
/// at 1 ms probes: never beside other tests (<see cref="ProbeCollection"/>).
/// </summary>
[Collection(ProbeCollection.Name)]
public class ScenarioTests
{
    public static TheoryData<string> LiveScenarios => new(ScenarioSpec.All.Where(s => s.Mode != "cold").Select(s => s.Name));

    public static TheoryData<string> ColdScenarios => new(ScenarioSpec.All.Where(s => s.Mode == "cold").Select(s => s.Name));

    [Theory]
    [MemberData(nameof(LiveScenarios))]
    public async Task Scenario_Live_LosesNothingForwardsInFlightAndVerifiesTheState(string name)
    {
        var report = await new ScenarioRunner(new DemoOptions()).RunAsync(ScenarioSpec.Find(name)!, TestContext.Current.CancellationToken);

        var raw = RawProbes.Of(report);
        Assert.True(raw.Sent > 500, $"only {raw.Sent} probes");
        Assert.True(raw.Lost.Count == 0, $"{raw.Lost.Count} of {raw.Sent} probes lost (first {string.Join(",", raw.Lost.Take(5).Select(p => p.Sequence))}); " +
            $"the lab says {report.Probe.Lost}: {report.Notes}");
        Assert.True(raw.DowntimeMs > 0, "the move's gap in the arrivals");
        Assert.Equal((raw.Sent, raw.Received, 0L), ((int)report.Probe.Sent, (int)report.Probe.Received, report.Probe.Lost));
        Assert.Equal(raw.DowntimeMs, report.DowntimeMs, 0.01);
        Assert.True(report.Passed, report.Notes);
        Assert.True(report.ForwardedInFlight > 0);
        Assert.True(report.ConvergenceMs >= 0, "the correspondent converged");
        Assert.Equal("pull", report.UpdateMode);
        Assert.True(report.CorrespondentLookups > 0, "pull mode refreshes the correspondent's answer during the run");
        Assert.True(report.Migration.StateVerified);
        Assert.True(report.Migration.BytesSent >= report.Migration.MemoryBytes);
        Assert.True(report.Migration.Rounds >= 1);
        Assert.True(report.PauseMs > 0);
    }

    [Theory]
    [MemberData(nameof(ColdScenarios))]
    public async Task Scenario_Cold_LosesOnlyWhileStoppedAndVerifiesTheState(string name)
    {
        var spec = ScenarioSpec.Find(name)!;

        var report = await new ScenarioRunner(new DemoOptions()).RunAsync(spec, TestContext.Current.CancellationToken);

        var raw = RawProbes.Of(report);
        Assert.NotEmpty(raw.Lost); // a stopped task receives nothing
        // Everything lost was sent while the task was stopped (give or take the probes in flight
        // as it stopped and until the correspondent's NVE turned to the new place).
        Assert.All(raw.Lost, p => Assert.InRange(p.SentMs, raw.PausedMs - 50, raw.ActivatedMs + 50));
        Assert.Equal(raw.DowntimeMs, report.DowntimeMs, 0.01);
        Assert.Equal((raw.Sent, raw.Lost.Count), ((int)report.Probe.Sent, (int)report.Probe.Lost));
        Assert.True(report.Passed, report.Notes);
        Assert.True(report.Migration.StateVerified);
        Assert.True(report.Migration.BytesSent >= report.Migration.MemoryBytes + report.Migration.DiskBytes, "cold sends everything");
        if (spec.Suspend == Nve.SuspendPolicy.Unreachable)
        {
            Assert.InRange(report.Unreachables, 1, report.Probe.Lost); // the correspondent heard why
        }
    }

    [Fact]
    public async Task Scenario_WithoutInflightForwarding_LosesProbesAndCountsThem()
    {
        var report = await new ScenarioRunner(new DemoOptions { InflightForwarding = false }).RunAsync(ScenarioSpec.Find("l2-ipv4-hot")!, TestContext.Current.CancellationToken);

        var raw = RawProbes.Of(report);
        Assert.NotEmpty(raw.Lost); // without the redirect, packets in flight are lost
        Assert.Equal((raw.Sent, raw.Lost.Count), ((int)report.Probe.Sent, (int)report.Probe.Lost));
        Assert.False(report.Passed);
        Assert.Equal(0, report.ForwardedInFlight);
        Assert.True(report.NveCounters["a"]["drop.notHere"] > 0, "the old NVE counted what it dropped");
    }

    /// <summary>
    /// Push mode: the correspondent's NVE learns the new place from the NVA's watch, not from a
    /// look-up when its answer runs out. Asserted without a clock: its entry names the destination
    /// after the move, and it sent the NVA no look-up from the move's start to the end of the run,
    /// which lasts longer than the pull refresh time (the pull scenarios show at least one). How
    /// fast it converged is a figure for <c>nvo3 demo</c> and the benchmarks, not a test verdict.
    /// </summary>
    [Fact]
    public async Task Scenario_Push_ConvergesThroughTheWatchWithoutALookUp()
    {
        var report = await new ScenarioRunner(new DemoOptions { Push = true }).RunAsync(ScenarioSpec.Find("l2-ipv6-hot")!, TestContext.Current.CancellationToken);

        Assert.Empty(RawProbes.Of(report).Lost);
        Assert.True(report.Passed, report.Notes);
        Assert.Equal("push", report.UpdateMode);
        Assert.True(report.ConvergenceMs >= 0, $"the correspondent's NVE did not turn to the destination: {report.Notes}");
        Assert.Equal(0, report.CorrespondentLookups);
    }

    [Fact]
    public async Task Scenario_OverAnIPv6Underlay_LosesNothing()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "the IPv6 underlay adds fd00:4e56::/32 addresses to lo, which needs root");

        var report = await new ScenarioRunner(new DemoOptions { Underlay = AddressFamily.InterNetworkV6 }).RunAsync(ScenarioSpec.Find("l2-ipv4-hot")!, TestContext.Current.CancellationToken);

        Assert.Empty(RawProbes.Of(report).Lost);
        Assert.True(report.Passed, report.Notes);
        Assert.Equal("ipv6", report.Underlay);
        Assert.True(report.ForwardedInFlight > 0);
    }
}
