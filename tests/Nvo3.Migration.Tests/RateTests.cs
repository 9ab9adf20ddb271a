using Microsoft.Extensions.Time.Testing;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration.Tests;

public class RateTests
{
    [Fact]
    public void TokenBucket_WithinBurst_PassesAtOnce()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1000, 500, time);
        Assert.True(bucket.WaitAsync(500).IsCompleted);
    }

    [Fact]
    public void TokenBucket_Debt_WaitsUntilPaidAtTheRate()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1000, 500, time);
        Assert.True(bucket.WaitAsync(500).IsCompleted);
        var wait = bucket.WaitAsync(200).AsTask();
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(wait.IsCompleted);
    }

    [Fact]
    public void TokenBucket_Idle_RefillsOnlyToBurst()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1000, 500, time);
        bucket.WaitAsync(500);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(bucket.WaitAsync(500).IsCompleted);
        Assert.False(bucket.WaitAsync(1).IsCompleted);
    }

    [Fact]
    public void BandwidthMeter_SteadySends_MeasuresTheRate()
    {
        var time = new FakeTimeProvider();
        var meter = new BandwidthMeter(time);
        Assert.Null(meter.BytesPerSecond);
        for (int i = 0; i < 10; i++)
        {
            meter.Record(1000);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
        Assert.Equal(10_000, meter.BytesPerSecond!.Value, 1.0);
        Assert.Equal(10_000, meter.TotalBytes);
    }

    [Fact]
    public void BandwidthMeter_RateChanges_WindowFollows()
    {
        var time = new FakeTimeProvider();
        var meter = new BandwidthMeter(time, TimeSpan.FromSeconds(1));
        for (int i = 0; i < 20; i++)
        {
            meter.Record(1000);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
        for (int i = 0; i < 20; i++)
        {
            meter.Record(5000);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
        Assert.InRange(meter.BytesPerSecond!.Value, 45_000, 55_000);
    }

    [Theory]
    [InlineData(30_000_000, 100e6, 300, true, 300)]
    [InlineData(31_000_000, 100e6, 300, false, 310)]
    [InlineData(0, null, 300, true, 0)]
    public void SwitchoverRule_PendingAgainstBandwidthTimesLimit(long dirty, double? bandwidth, int limitMs, bool expected, int predictedMs)
    {
        Assert.Equal(expected, SwitchoverRule.CanSwitchOver(dirty, bandwidth, TimeSpan.FromMilliseconds(limitMs), out var predicted));
        Assert.Equal(predictedMs, predicted.TotalMilliseconds, 0.001);
    }

    [Fact]
    public void SwitchoverRule_BandwidthUnknown_Waits()
    {
        Assert.False(SwitchoverRule.CanSwitchOver(1, null, TimeSpan.FromSeconds(1), out var predicted));
        Assert.Equal(TimeSpan.MaxValue, predicted);
    }

    [Fact]
    public void AutoConverge_RoundsThatDoNotConverge_RaiseThrottleQemuSteps()
    {
        var converge = new AutoConverge(new PreCopySettings { AutoConverge = true });
        Assert.Equal(0, converge.AfterRound(0, 100, 100));
        Assert.Equal(0.2, converge.AfterRound(1, 60, 100), 6);
        Assert.Equal(0.2, converge.AfterRound(2, 40, 100), 6);
        Assert.Equal(0.3, converge.AfterRound(3, 50, 100), 6);
        for (int r = 4; r < 20; r++)
        {
            converge.AfterRound(r, 100, 100);
        }
        Assert.Equal(0.99, converge.Throttle, 6);
    }

    [Fact]
    public void AutoConverge_Off_NeverThrottles()
    {
        var converge = new AutoConverge(new PreCopySettings());
        Assert.Equal(0, converge.AfterRound(5, 1000, 1));
    }
}
