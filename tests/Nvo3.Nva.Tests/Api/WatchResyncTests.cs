using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Api;

/// <summary>Watchers that fall behind what the NVA keeps get a resync marker and end with the same state as a fresh snapshot.</summary>
public sealed class WatchResyncTests : IAsyncLifetime
{
    private NvaServer _server = null!;
    private NvaClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0", WatchHistory = 16, WatcherBuffer = 32 });
        _client = new NvaClient(_server.Address);
        await _client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/16")], [], TimeSpan.FromSeconds(1)));
        await _client.AddNveAsync("a", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.1"))]);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private Task AttachManyAsync(int first, int count) => Task.WhenAll(Enumerable.Range(first, count).Select(i =>
        _client.AttachAsync(new AttachRequest(100, new MacAddress(0x0200_0000_0000UL + (ulong)i), [IpAddr.FromV4(0x0A00_0000u + (uint)i)], "a"))));

    [Fact]
    public async Task Watch_FromARevisionNoLongerKept_GetsAResyncMarker()
    {
        var before = await _client.SnapshotAsync();
        await AttachManyAsync(1, 40);

        var changes = new List<DirectoryChange>();
        await foreach (var change in _client.WatchAsync(before.Revision + 1, cancellationToken: TestContext.Current.CancellationToken))
        {
            changes.Add(change);
        }

        Assert.Equal(ChangeKind.Resync, Assert.Single(changes).Kind);
    }

    [Fact]
    public async Task View_BehindTheHistory_ResyncsAndMatchesAFreshSnapshot()
    {
        var view = new DirectoryView(_client, "test");
        await view.LoadAsync();
        await AttachManyAsync(1, 40); // far more than the 16 changes the hub keeps
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = view.RunAsync(cts.Token);

        await AttachManyAsync(100, 10); // more while it catches up
        var fresh = await _client.SnapshotAsync();
        await WaitUntilAsync(() => view.Revision >= fresh.Revision);
        await cts.CancelAsync();
        await running;

        Assert.True(view.Loads >= 2, $"the view loaded {view.Loads} time(s); a resync reloads");
        Assert.Equal(fresh.Bindings.Select(b => (b.Vni, b.Mac, b.ActiveNve)).Order(),
            view.Bindings.Values.Select(b => (b.Vni, b.Mac, b.ActiveNve)).Order());
        Assert.Equal(fresh.Nves.Select(n => n.Name).Order(), view.Nves.Keys.Order());
        Assert.Equal(fresh.Networks.Select(n => n.Vni), view.Networks.Keys);
    }

    [Fact]
    public async Task View_SlowWatcherCutOff_ResyncsAndMatches()
    {
        var view = new DirectoryView(_client, "slow");
        using var gate = new SemaphoreSlim(0);
        int seen = 0;
        view.Changed += _ =>
        {
            // Hold the watcher on its first live change until the NVA has cut it off. No timeout:
            // the test releases it, so a slow machine cannot let it drain before the cut.
            if (Interlocked.Increment(ref seen) == 2)
            {
                gate.Wait();
            }
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = Task.Run(() => view.RunAsync(cts.Token));
        await WaitUntilAsync(() => view.Connected && _server.Hub.SubscriberCount == 1);

        await AttachManyAsync(1, 1);
        await WaitUntilAsync(() => Volatile.Read(ref seen) >= 2);
        // Write until the held watcher's 32-change buffer overflows (the HTTP/2 stream may take a
        // few dozen changes first): the hub then drops it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (int next = 10; _server.Hub.SubscriberCount > 0; next += 40)
        {
            Assert.True(DateTime.UtcNow < deadline, "the NVA never cut the stalled watcher off");
            await AttachManyAsync(next, 40);
        }
        gate.Release();
        var fresh = await _client.SnapshotAsync();
        await WaitUntilAsync(() => view.Revision >= fresh.Revision);
        await cts.CancelAsync();
        await running;

        Assert.True(view.Loads >= 2, $"the view loaded {view.Loads} time(s)");
        Assert.Equal(fresh.Bindings.Count, view.Bindings.Count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(10);
        }
    }
}
