using System.Net;
using System.Net.Sockets;
using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Etcd;
using Nvo3.Testing;

namespace Nvo3.Nva.Tests.Storage;

/// <summary>
/// The conformance suite and the etcd-only tests against a real etcd process. Each test gets its
/// own key prefix; the tests of this class run one at a time, so revisions move only with them.
/// </summary>
public sealed class EtcdStoreTests(EtcdProcess etcd) : DirectoryStoreConformanceTests, IClassFixture<EtcdProcess>
{
    protected override async ValueTask<IDirectoryStore> OpenStoreAsync() => await ConnectAsync($"/nvo3-test/{Guid.NewGuid():N}/");

    private async Task<EtcdStore> ConnectAsync(string prefix)
    {
        etcd.SkipIfMissing();
        return await EtcdStore.ConnectAsync([new Uri(etcd.ClientUrl)], new EtcdStoreOptions { Prefix = prefix }, cancellationToken: Ct);
    }

    [Fact]
    public async Task Prefix_IsHiddenFromCallersAndSeparatesStores()
    {
        string root = $"/nvo3-test/{Guid.NewGuid():N}/";
        await using var one = await ConnectAsync(root + "one/");
        await using var two = await ConnectAsync(root + "two/");
        await using var raw = await ConnectAsync("");
        await one.CommitAsync(new StoreTransaction().Put("vn/1", V("1")), Ct);
        await two.CommitAsync(new StoreTransaction().Put("vn/1", V("2")), Ct);

        Assert.Equal(["vn/1"], (await one.ListAsync("", Ct)).Entries.Select(e => e.Key));
        Assert.Equal("1", S((await one.GetAsync("vn/1", Ct))?.Value));
        Assert.Equal("2", S((await two.GetAsync("vn/1", Ct))?.Value));
        Assert.Equal([root + "one/vn/1", root + "two/vn/1"], (await raw.ListAsync(root, Ct)).Entries.Select(e => e.Key));
    }

    [Fact]
    public async Task OpenAsync_DeadAndLiveEndpoints_FailsOverToTheLiveOne()
    {
        etcd.SkipIfMissing();
        string dead = $"http://127.0.0.1:{UnusedPort()}";
        await using var store = await DirectoryStores.OpenAsync($"etcd:{dead},{etcd.ClientUrl}", Ct);
        for (int i = 0; i < 10; i++)
        {
            Assert.True((await store.CommitAsync(new StoreTransaction().Put($"failover/{i}", V("x")), Ct)).Succeeded);
        }
        Assert.Equal(10, (await store.ListAsync("failover/", Ct)).Entries.Count);
    }

    [Fact]
    public async Task ConnectAsync_NobodyListening_ThrowsIOExceptionThatSaysSo()
    {
        var endpoint = new Uri($"http://127.0.0.1:{UnusedPort()}");
        var e = await Assert.ThrowsAsync<IOException>(async () =>
            await EtcdStore.ConnectAsync([endpoint], new EtcdStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(2) }, cancellationToken: Ct));
        Assert.Contains("does not answer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAsync_EtcdRestarts_ContinuesAfterTheLastDeliveredRevision()
    {
        await using var store = await ConnectAsync($"/nvo3-test/{Guid.NewGuid():N}/");
        long now = await store.GetRevisionAsync(Ct);
        await using var watch = new WatchRecorder(store, "w/", now + 1);
        var before = await store.CommitAsync(new StoreTransaction().Put("w/1", V("1")), Ct);
        Assert.Equal([(StoreEventKind.Put, "w/1", "1", before.Revision)], Describe(await watch.NextAsync()));

        await etcd.RestartAsync();
        var revisions = new List<long>();
        for (int i = 2; i <= 4; i++)
        {
            revisions.Add((await store.CommitAsync(new StoreTransaction().Put($"w/{i}", V($"{i}")), Ct)).Revision);
        }
        foreach (var (revision, i) in revisions.Select((r, i) => (r, i + 2)))
        {
            Assert.Equal([(StoreEventKind.Put, $"w/{i}", $"{i}", revision)], Describe(await watch.NextAsync(TimeSpan.FromSeconds(30))));
        }
        Assert.False(watch.TryNext(out _));
    }

    [Fact]
    public async Task Durability_WriterAndEtcdKilledWithSigkill_EveryAcknowledgedCommitSurvives()
    {
        etcd.SkipIfMissing();
        string spec = "etcd:" + etcd.ClientUrl;
        using var writer = new StoreWriterProcess(spec);
        await writer.WaitReadyAsync(TimeSpan.FromSeconds(30));
        await writer.WaitForAcknowledgedAsync(200, TimeSpan.FromSeconds(60));

        // Kill the server first, mid-stream, then the writer that is now failing to reach it.
        etcd.Kill();
        await writer.KillAsync();
        Assert.True(writer.Acknowledged.Count >= 200);

        await etcd.RestartAsync();
        await using var store = await DirectoryStores.OpenAsync(spec, Ct);
        await writer.AssertEveryAcknowledgedCommitIsInAsync(store);
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
