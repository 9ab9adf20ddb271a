using System.Net.Sockets;
using Nvo3.Lab;

namespace Nvo3.Lab.Tests;

/// <summary>The demo's scenarios, run as a user runs them: the report's figures are what the issue promises.</summary>
public class ScenarioTests
{
    public static TheoryData<string> LiveScenarios => new(ScenarioSpec.All.Where(s => s.Mode != "cold").Select(s => s.Name));

    public static TheoryData<string> ColdScenarios => new(ScenarioSpec.All.Where(s => s.Mode == "cold").Select(s => s.Name));

    [Theory]
    [MemberData(nameof(LiveScenarios))]
    public async Task Scenario_Live_LosesNothingForwardsInFlightAndVerifiesTheState(string name)
    {
        var report = await new ScenarioRunner(new DemoOptions()).RunAsync(ScenarioSpec.Find(name)!, TestContext.Current.CancellationToken);

        Assert.True(report.Passed, report.Notes);
        Assert.Equal(0, report.Probe.Lost);
        Assert.Equal(report.Probe.Sent, report.Probe.Received);
        Assert.True(report.Probe.Sent > 500, $"only {report.Probe.Sent} probes");
        Assert.True(report.ForwardedInFlight > 0);
        Assert.True(report.DowntimeMs > 0, $"downtime {report.DowntimeMs} ms measured from the probes");
        Assert.True(report.ConvergenceMs >= 0, "the correspondent converged");
        Assert.Equal("pull", report.UpdateMode);
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

        Assert.True(report.Passed, report.Notes);
        Assert.True(report.Migration.StateVerified);
        Assert.True(report.Probe.Lost > 0, "a stopped task receives nothing");
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

        Assert.False(report.Passed);
        Assert.True(report.Probe.Lost > 0, "without the redirect, packets in flight are lost");
        Assert.Equal(report.Probe.Sent - report.Probe.Received, report.Probe.Lost);
        Assert.Equal(0, report.ForwardedInFlight);
        Assert.True(report.NveCounters["a"]["drop.notHere"] > 0, "the old NVE counted what it dropped");
    }

    [Fact]
    public async Task Scenario_Push_ConvergesWithinMilliseconds()
    {
        var report = await new ScenarioRunner(new DemoOptions { Push = true }).RunAsync(ScenarioSpec.Find("l2-ipv6-hot")!, TestContext.Current.CancellationToken);

        Assert.True(report.Passed, report.Notes);
        Assert.Equal("push", report.UpdateMode);
        Assert.InRange(report.ConvergenceMs, 0, 250); // pull needs up to the 500 ms lifetime
    }

    [Fact]
    public async Task Scenario_OverAnIPv6Underlay_LosesNothing()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "the IPv6 underlay adds fd00:4e56::/32 addresses to lo, which needs root");

        var report = await new ScenarioRunner(new DemoOptions { Underlay = AddressFamily.InterNetworkV6 }).RunAsync(ScenarioSpec.Find("l2-ipv4-hot")!, TestContext.Current.CancellationToken);

        Assert.True(report.Passed, report.Notes);
        Assert.Equal("ipv6", report.Underlay);
        Assert.True(report.ForwardedInFlight > 0);
    }
}
