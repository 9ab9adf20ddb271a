using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Nva.Tests.Support;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Api;

/// <summary>
/// Two NVAs over one store (in one process here; with real processes and etcd in the integration
/// tests): clients fail over to the survivor, a watch resumes there without reloading, look-ups
/// come from each NVA's watched copy.
/// </summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly MemoryStore _store = new();
    private NvaServer _first = null!;
    private NvaServer _second = null!;
    private StoreWrapper _secondStore = null!;

    public async ValueTask InitializeAsync()
    {
        _first = await NvaServer.StartAsync(new StoreWrapper(_store) { Shared = true }, new NvaServerOptions { Listen = "127.0.0.1:0" });
        _secondStore = new StoreWrapper(_store) { Shared = true };
        _second = await NvaServer.StartAsync(_secondStore, new NvaServerOptions { Listen = "127.0.0.1:0" });
    }

    public async ValueTask DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _store.DisposeAsync();
    }

    private static async Task SetUpAsync(NvaClient client)
    {
        await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/16")], [], TimeSpan.FromSeconds(1)));
        await client.AddNveAsync("a", [UnderlayEndpoint.Parse("192.0.2.1")]);
    }

    private static Task<Binding> AttachAsync(NvaClient client, int i) =>
        client.AttachAsync(new AttachRequest(100, new MacAddress(0x0200_0000_0000UL + (ulong)i), [IpAddr.FromV4(0x0A00_0000u + (uint)i)], "a"));

    [Fact]
    public async Task Client_FirstNvaStops_CallsMoveToTheSecond()
    {
        using var client = new NvaClient([_first.Address, _second.Address]);
        await SetUpAsync(client);
        Assert.Equal(_first.Address, client.Address);

        await _first.DisposeAsync();
        var attached = await AttachAsync(client, 1);

        Assert.Equal(_second.Address, client.Address);
        Assert.Equal(1, client.Failovers);
        Assert.Equal("a", attached.ActiveNve);
    }

    [Fact]
    public async Task Client_EveryNvaDown_IsUnavailableNamingThemAll()
    {
        using var client = new NvaClient([_first.Address, _second.Address]);
        await _first.DisposeAsync();
        await _second.DisposeAsync();

        var ex = await Assert.ThrowsAsync<NvaException>(() => client.ListNvesAsync());

        Assert.Equal(NvaError.Unavailable, ex.Error);
        Assert.Contains(_first.Address.Authority, ex.Message, StringComparison.Ordinal);
        Assert.Contains(_second.Address.Authority, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task View_FirstNvaStops_ResumesOnTheSecondWithoutReloading()
    {
        using var client = new NvaClient([_first.Address, _second.Address]);
        await SetUpAsync(client);
        var view = new DirectoryView(client, "test");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = view.RunAsync(cts.Token);
        await AttachAsync(client, 1);
        await WaitUntilAsync(() => view.Bindings.Count == 1);

        await _first.DisposeAsync();
        for (int i = 2; i <= 20; i++)
        {
            await AttachAsync(client, i);
        }
        var fresh = await client.SnapshotAsync();
        await WaitUntilAsync(() => view.Revision >= fresh.Revision);
        await cts.CancelAsync();
        await running;

        Assert.Equal(1, view.Loads); // resumed from its revision: no snapshot taken again
        Assert.Equal(fresh.Bindings.Select(b => b.Mac).Order(), view.Bindings.Keys.Select(k => k.Mac).Order());
    }

    [Fact]
    public async Task Lookup_ServedFromTheWatchedCopy_WithoutAStoreRead()
    {
        using var client = new NvaClient(_second.Address);
        await SetUpAsync(client);
        await AttachAsync(client, 1);
        long reads = _secondStore.Reads;

        for (int i = 0; i < 50; i++)
        {
            var found = await client.LookupByIpAsync(100, IpAddr.FromV4(0x0A00_0001u));
            Assert.Equal("a", found.Host!.Name);
        }

        Assert.Equal(reads, _secondStore.Reads);
    }

    [Fact]
    public async Task LookupStream_ManyAtOnce_AnswersEachInOrder_AndMovesToTheSecondNvaWhenTheFirstStops()
    {
        using var client = new NvaClient([_first.Address, _second.Address]);
        await SetUpAsync(client);
        for (int i = 1; i <= 50; i++)
        {
            await AttachAsync(client, i);
        }
        await using var stream = client.OpenLookupStream("test");

        var answers = await Task.WhenAll(Enumerable.Range(1, 60).Select(i => stream.LookupByIpAsync(100, IpAddr.FromV4(0x0A00_0000u + (uint)i))));
        var unknownVni = await stream.LookupByIpAsync(999, IpAddr.Parse("10.0.0.1"));
        await _first.DisposeAsync();
        LookupResult? after = null;
        for (int attempt = 0; attempt < 3 && after is null; attempt++)
        {
            try
            {
                after = await stream.LookupByMacAsync(100, new MacAddress(0x0200_0000_0000UL + 7));
            }
            catch (NvaException ex) when (ex.Error == NvaError.Unavailable)
            {
                // The look-up in flight when the stream broke; the next opens one on the second NVA.
            }
        }

        Assert.Equal(Enumerable.Range(1, 60).Select(i => i <= 50), answers.Select(a => a.Found));
        Assert.All(answers.Take(50).Select((a, i) => (a, i)), x => Assert.Equal(new MacAddress(0x0200_0000_0000UL + (ulong)x.i + 1), x.a.Binding!.Mac));
        Assert.False(unknownVni.Found);
        Assert.Equal(IpAddr.FromV4(0x0A00_0007u), Assert.Single(after!.Binding!.Ips));
        Assert.Equal(_second.Address, client.Address);
    }

    [Fact]
    public async Task Lookup_OnAnotherReplica_WithTheWritersRevision_SeesTheWrite()
    {
        using var writer = new NvaClient(_first.Address);
        using var reader = new NvaClient(_second.Address);
        await SetUpAsync(writer);
        for (int i = 1; i <= 20; i++)
        {
            await AttachAsync(writer, i);
            long revision = (await writer.StatusAsync()).Revision;

            var found = await reader.LookupByIpAsync(100, IpAddr.FromV4(0x0A00_0000u + (uint)i), revision);

            Assert.True(found.Found, $"binding {i} written at revision {revision} on the first NVA is not visible on the second");
        }
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
