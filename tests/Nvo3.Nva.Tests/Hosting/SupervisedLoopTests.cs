using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nvo3.Hosting;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Nva.Tests.Support;
using Nvo3.Nva.Watch;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Hosting;

/// <summary>The NVA's background loops survive unexpected failures: restarted with back-off, counted, never stopped silently.</summary>
public sealed class SupervisedLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RunAsync_BodyThrowsTwice_IsRestartedAfterBackOffsAndRuns()
    {
        var time = new FakeTimeProvider();
        var loop = new SupervisedLoop("test", time, NullLogger.Instance);
        var backingOff = new Queue<TaskCompletionSource>([NewSignal(), NewSignal()]);
        var signals = backingOff.ToArray();
        loop.BackingOff += _ => backingOff.Dequeue().TrySetResult();
        var running = NewSignal();
        int runs = 0;
        using var stop = new CancellationTokenSource();

        var task = loop.RunAsync(async ct =>
        {
            if (++runs <= 2)
            {
                throw new InvalidOperationException($"failure {runs}");
            }
            loop.Healthy();
            running.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }, stop.Token);

        await signals[0].Task.WaitAsync(Patience);
        time.Advance(loop.FirstDelay);
        await signals[1].Task.WaitAsync(Patience);
        time.Advance(loop.FirstDelay * 2); // the second failure of a burst waits twice as long
        await running.Task.WaitAsync(Patience);

        Assert.Equal(3, runs);
        Assert.Equal(2, loop.Failures);
        await stop.CancelAsync();
        await task.WaitAsync(Patience);
    }

    [Fact]
    public async Task RunAsync_BodyReturnsWhileItShouldRun_CountsAFailureAndRestartsIt()
    {
        var time = new FakeTimeProvider();
        var loop = new SupervisedLoop("test", time, NullLogger.Instance);
        var backingOff = NewSignal();
        loop.BackingOff += _ => backingOff.TrySetResult();
        var second = NewSignal();
        int runs = 0;
        using var stop = new CancellationTokenSource();

        var task = loop.RunAsync(async ct =>
        {
            if (++runs == 2)
            {
                second.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }
        }, stop.Token);

        await backingOff.Task.WaitAsync(Patience);
        time.Advance(loop.FirstDelay);
        await second.Task.WaitAsync(Patience);

        Assert.Equal(1, loop.Failures);
        await stop.CancelAsync();
        await task.WaitAsync(Patience);
        Assert.True(task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WatchHub_StoreWatchBreaksOnce_PumpRecoversAndDeliversTheChange()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var store = new StoreWrapper(new MemoryStore());
        var authority = new Authority(store, new NvaSettings(), time);
        await using var hub = new WatchHub(authority);
        var backingOff = NewSignal();
        hub.Loop.BackingOff += _ => backingOff.TrySetResult();
        store.BreakWatches(1);

        await hub.StartAsync();
        using var subscription = hub.Subscribe(0);
        await backingOff.Task.WaitAsync(Patience);
        await authority.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.Zero));
        time.Advance(hub.Loop.FirstDelay);

        await using var changes = subscription.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(Patience));
        Assert.Equal(ChangeKind.NetworkPut, changes.Current.Kind);
        Assert.Equal(1, hub.Loop.Failures);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
