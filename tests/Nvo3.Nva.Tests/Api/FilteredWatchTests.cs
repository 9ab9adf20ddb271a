using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Api;

/// <summary>A watch (and a snapshot) limited to some networks gets those networks' changes and every NVE's, and nothing of other networks.</summary>
public sealed class FilteredWatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private NvaServer _server = null!;
    private NvaClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0" });
        _client = new NvaClient(_server.Address);
        foreach (uint vni in new uint[] { 100, 200 })
        {
            await _client.CreateVirtualNetworkAsync(new VirtualNetwork(vni, "", NetworkMode.L2, [IpPrefix.Parse($"10.{vni / 100}.0.0/24")], [], TimeSpan.FromSeconds(1)));
        }
        await _client.AddNveAsync("a", [UnderlayEndpoint.Parse("192.0.2.1")]);
        await _client.AddNveAsync("b", [UnderlayEndpoint.Parse("192.0.2.2")]);
        await AttachAsync(100, 1);
        await AttachAsync(200, 1);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private Task<Binding> AttachAsync(uint vni, int i) =>
        _client.AttachAsync(new AttachRequest(vni, Mac(vni, i), [IpAddr.Parse($"10.{vni / 100}.0.{i}")], "a"));

    private static MacAddress Mac(uint vni, int i) => new(0x0200_0000_0000UL + vni * 256 + (ulong)i);

    [Fact]
    public async Task Watch_OfOneNetwork_GetsItsChangesAndEveryNve_NothingOfOthers()
    {
        var start = await _client.SnapshotAsync();
        var seen = new List<DirectoryChange>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var last = Mac(100, 3);
        var watching = Task.Run(async () =>
        {
            await foreach (var change in _client.WatchAsync(start.Revision + 1, "test", [100], cts.Token))
            {
                seen.Add(change);
                if (change.Binding?.Mac == last && change.Binding.ActiveNve == "b")
                {
                    return;
                }
            }
        });

        await AttachAsync(200, 2);
        await AttachAsync(100, 2);
        await _client.AddNveAsync("c", [UnderlayEndpoint.Parse("192.0.2.3")]);
        await _client.ActivateAsync(new ActivateRequest(200, Mac(200, 1), "b", MoveTrigger.Garp, 2));
        await AttachAsync(100, 3);
        await _client.ActivateAsync(new ActivateRequest(100, last, "b", MoveTrigger.Garp, 2));
        await watching.WaitAsync(Patience);

        var changes = seen.Where(c => c.Kind != ChangeKind.None).ToList();
        Assert.Contains(changes, c => c.Kind == ChangeKind.NvePut && c.Nve!.Name == "c");
        Assert.Contains(changes, c => c.Kind == ChangeKind.BindingPut && c.Binding!.Mac == Mac(100, 2));
        Assert.Contains(changes, c => c.Kind == ChangeKind.RedirectPut && c.Redirect!.Vni == 100);
        Assert.DoesNotContain(changes, c => (c.Binding?.Vni ?? c.Redirect?.Vni ?? c.Network?.Vni) == 200);
        Assert.Equal(changes.Select(c => c.Revision).Order(), changes.Select(c => c.Revision));
    }

    [Fact]
    public async Task Snapshot_OfOneNetwork_HoldsItsRecordsAndEveryNve()
    {
        await AttachAsync(200, 2);

        var snapshot = await _client.SnapshotAsync([100]);

        Assert.Equal([100u], snapshot.Networks.Select(n => n.Vni));
        Assert.Equal([Mac(100, 1)], snapshot.Bindings.Select(b => b.Mac));
        Assert.Equal(["a", "b"], snapshot.Nves.Select(n => n.Name).Order());
        Assert.Equal((await _client.SnapshotAsync()).Revision, snapshot.Revision);
    }

    [Fact]
    public async Task Watch_OfAQuietNetwork_HearsTheRevisionTheNvaReached()
    {
        var start = await _client.SnapshotAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        await AttachAsync(200, 2);
        long reached = (await _client.SnapshotAsync()).Revision;

        long heard = 0;
        await foreach (var change in _client.WatchAsync(start.Revision + 1, "quiet", [100], cts.Token).WithCancellation(cts.Token))
        {
            Assert.Equal(ChangeKind.None, change.Kind); // progress only: nothing happened in 100
            heard = change.Revision;
            if (heard >= reached)
            {
                break;
            }
        }

        Assert.Equal(reached, heard);
    }

    [Fact]
    public async Task Watch_ManyQuietWatchersLeaveAtOnce_TheNvaClosesEveryStream()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var watchers = Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in _client.WatchAsync(0, $"quiet{i}", [100], cts.Token))
                {
                }
            }
            catch (Exception) when (cts.IsCancellationRequested)
            {
            }
        })).ToArray();
        await WaitUntilAsync(() => _server.Hub.SubscriberCount == 40);

        await cts.CancelAsync();
        await Task.WhenAll(watchers).WaitAsync(Patience);

        // Every stream that asked for progress ends with its call.
        await WaitUntilAsync(() => _server.Hub.SubscriberCount == 0);
    }

    [Fact]
    public async Task View_FollowingOneNetwork_HoldsOnlyIt()
    {
        var view = new DirectoryView(_client, "follower");
        view.Follow([200]);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = view.RunAsync(cts.Token);

        await AttachAsync(100, 2);
        var moved = await _client.ActivateAsync(new ActivateRequest(200, Mac(200, 1), "b", MoveTrigger.Garp, 2));
        await WaitUntilAsync(() => view.Bindings.TryGetValue((200, Mac(200, 1)), out var b) && b.ActiveNve == "b");
        view.Follow([100, 200]);
        await WaitUntilAsync(() => view.Bindings.ContainsKey((100, Mac(100, 2))));
        await cts.CancelAsync();
        await running;

        Assert.Equal(2, moved.Sequence);
        Assert.Equal([100u, 200u], view.Networks.Keys.Order());
        Assert.Equal(3, view.Bindings.Count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(10);
        }
    }
}
