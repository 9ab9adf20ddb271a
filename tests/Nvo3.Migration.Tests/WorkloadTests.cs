using Microsoft.Extensions.Time.Testing;

namespace Nvo3.Migration.Tests;

public class WorkloadTests
{
    private static readonly WorkloadShape Small = new() { MemoryBytes = 1 << 20, DiskBytes = 1 << 20, BlockSize = 64 << 10 };

    [Fact]
    public void TryWriteMemory_Running_WritesAndMarksEveryTouchedPage()
    {
        var workload = new Workload("w", Small);
        Assert.True(workload.TryWriteMemory(Workload.PageSize - 2, [1, 2, 3, 4]));
        Assert.True(workload.Memory.Dirty.IsSet(0));
        Assert.True(workload.Memory.Dirty.IsSet(1));
        Assert.Equal(2, workload.Memory.Dirty.Count());
        Assert.Equal(3, workload.Memory.Content[Workload.PageSize]);
    }

    [Fact]
    public void TryWrite_Paused_RefusesAndChangesNothing()
    {
        var workload = new Workload("w", Small);
        workload.Fill(3);
        var before = workload.ComputeStateHash();
        Assert.True(workload.Pause());
        Assert.False(workload.TryWriteMemory(0, [9]));
        Assert.False(workload.TryWriteDisk(0, [9]));
        Assert.False(workload.TryWriteDeviceState(0, [9]));
        Assert.Equal(before, workload.ComputeStateHash());
        Assert.Equal(0, workload.Memory.Dirty.Count());
    }

    [Fact]
    public void Resume_Stopped_Throws()
    {
        var workload = new Workload("w", Small);
        workload.Stop();
        Assert.Throws<InvalidOperationException>(workload.Resume);
        Assert.Equal(WorkloadState.Stopped, workload.State);
    }

    [Fact]
    public void Resume_HandingOver_ThrowsUntilCancelled()
    {
        var workload = new Workload("w", Small);
        workload.Pause();
        workload.BeginHandOver();
        Assert.Throws<InvalidOperationException>(workload.Resume);
        workload.CancelHandOver();
        workload.Resume();
        Assert.Equal(WorkloadState.Running, workload.State);
    }

    [Fact]
    public void StateHash_AnyByteChanged_Differs()
    {
        var a = new Workload("w", Small);
        a.Fill(1);
        var h = a.ComputeStateHash();
        a.TryWriteDisk(Small.DiskBytes - 1, [(byte)(a.Disk.Content[^1] ^ 1)]);
        Assert.NotEqual(h, a.ComputeStateHash());
        var b = new Workload("w", Small);
        b.Fill(1);
        Assert.Equal(h, b.ComputeStateHash());
    }

    [Fact]
    public void Step_OneSecond_DirtiesTheRateInPages()
    {
        var workload = new Workload("w", Small);
        var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 100 * Workload.PageSize, DiskRate = 4 * 65536 }, new FakeTimeProvider(), null, start: false);
        dirtier.Step(TimeSpan.FromSeconds(1));
        Assert.Equal(100L * Workload.PageSize, dirtier.MemoryBytesDirtied);
        Assert.Equal(4L * 65536, dirtier.DiskBytesWritten);
        Assert.InRange(workload.Memory.Dirty.Count(), 80, 100);
    }

    [Fact]
    public void Step_Throttled_WritesTheUnthrottledShare()
    {
        var workload = new Workload("w", Small) { Throttle = 0.75 };
        var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 400 * Workload.PageSize }, new FakeTimeProvider(), null, start: false);
        dirtier.Step(TimeSpan.FromSeconds(1));
        Assert.Equal(100L * Workload.PageSize, dirtier.MemoryBytesDirtied);
    }

    [Fact]
    public void Step_Paused_WritesNothingAndOwesNothing()
    {
        var workload = new Workload("w", Small);
        var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 1e6, DiskRate = 1e6 }, new FakeTimeProvider(), null, start: false);
        workload.Pause();
        var before = workload.ComputeStateHash();
        dirtier.Step(TimeSpan.FromSeconds(5));
        Assert.Equal(before, workload.ComputeStateHash());
        workload.Resume();
        dirtier.Step(TimeSpan.Zero);
        Assert.Equal(0, dirtier.MemoryBytesDirtied);
    }

    [Fact]
    public async Task Dirtier_FakeClockAdvanced_WritesWhileRunningOnly()
    {
        var time = new FakeTimeProvider();
        var workload = new Workload("w", Small);
        await using var dirtier = new Dirtier(workload, new DirtierSettings { MemoryRate = 1000 * Workload.PageSize, Tick = TimeSpan.FromMilliseconds(10) }, time);
        for (int i = 0; i < 200 && dirtier.MemoryBytesDirtied == 0; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(5);
        }
        Assert.True(dirtier.MemoryBytesDirtied > 0);
        workload.Pause();
        long paused = dirtier.MemoryBytesDirtied;
        var hash = workload.ComputeStateHash();
        for (int i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(5);
        }
        Assert.Equal(paused, dirtier.MemoryBytesDirtied);
        Assert.Equal(hash, workload.ComputeStateHash());
    }
}
