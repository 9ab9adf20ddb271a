using Microsoft.Extensions.Time.Testing;
using Nvo3.Hosting;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Nva.Tests.Support;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Hosting;

/// <summary>The leader's housekeeping survives a store failure in a sweep: it backs off, sweeps again, and does its work.</summary>
public sealed class HousekeepingRecoveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sweep_StoreFailsOnce_LoopBacksOffAndTheNextSweepMarksTheNveDown()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var store = new StoreWrapper(new MemoryStore());
        var options = new NvaServerOptions { Listen = "127.0.0.1:0", SweepInterval = TimeSpan.FromMilliseconds(200) };
        await using var server = await NvaServer.StartAsync(store, options, time);
        var backingOff = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.HousekeepingLoop.BackingOff += _ => backingOff.TrySetResult();
        await server.Authority.RegisterNveAsync("a", [UnderlayEndpoint.Parse("192.0.2.1")], null, TimeSpan.FromSeconds(2));

        store.FailCommits(1); // the sweep's first write (marking a down) finds the store away
        var deadline = DateTime.UtcNow + Patience;
        while (!backingOff.Task.IsCompleted)
        {
            // The sweeps' timer may start after the test does: step the clock until one fails.
            Assert.True(DateTime.UtcNow < deadline, "no sweep failed");
            time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Yield();
        }
        Assert.Equal(1, server.HousekeepingLoop.Failures);
        Assert.Null((await server.Authority.GetNveAsync("a"))!.Down);

        // The store is back; a whole lease of healthy store later, a is taken for dead.
        deadline = DateTime.UtcNow + Patience;
        while ((await server.Authority.GetNveAsync("a"))!.Down is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the housekeeping never recovered");
            time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Yield();
        }
        Assert.Equal(1, server.HousekeepingLoop.Failures);
    }
}
