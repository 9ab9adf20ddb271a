using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Nva.Storage.Sqlite;

namespace Nvo3.Nva.Tests.Storage;

public sealed class DirectoryStoresTests
{
    [Theory]
    [InlineData("sqlite:", "no path")]
    [InlineData("sqlite:   ", "no path")]
    [InlineData("etcd:", "no URL")]
    [InlineData("etcd:127.0.0.1:2379", "not an http:// or https:// URL")]
    [InlineData("etcd:ftp://127.0.0.1:2379", "not an http:// or https:// URL")]
    [InlineData("etcd:http://127.0.0.1:2379,,http://127.0.0.2:2379", "empty URL")]
    [InlineData("etcd:http://127.0.0.1:2379/v3", "path, query or user part")]
    [InlineData("etcd:http://127.0.0.1:2379,https://127.0.0.2:2379", "mix http and https")]
    [InlineData("redis:localhost", "Unknown store")]
    [InlineData("Memory", "Unknown store")]
    public async Task OpenAsync_MalformedSpec_ThrowsArgumentExceptionSayingWhatToFix(string spec, string message)
    {
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await DirectoryStores.OpenAsync(spec, TestContext.Current.CancellationToken));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_Memory_OpensAMemoryStore()
    {
        await using var store = await DirectoryStores.OpenAsync("memory", TestContext.Current.CancellationToken);
        Assert.IsType<MemoryStore>(store);
        Assert.Equal("memory", store.Description);
    }

    [Fact]
    public async Task OpenAsync_SqlitePath_OpensThatFile()
    {
        using var folder = new TempFolder();
        string path = folder.File("nva.db");
        await using var store = await DirectoryStores.OpenAsync("sqlite:" + path, TestContext.Current.CancellationToken);
        Assert.IsType<SqliteStore>(store);
        Assert.Equal("sqlite:" + path, store.Description);
    }

    [Theory]
    [InlineData("http://10.0.0.1:2380", "http://10.0.0.1:2380/")]
    [InlineData("http://10.0.0.1", "http://10.0.0.1:2379/")]
    [InlineData("https://etcd.example/", "https://etcd.example:2379/")]
    [InlineData("http://[::1]", "http://[::1]:2379/")]
    [InlineData("http://[::1]:4001", "http://[::1]:4001/")]
    public void ParseEtcdEndpoints_PortMissing_DefaultsTo2379(string url, string expected)
    {
        var endpoints = DirectoryStores.ParseEtcdEndpoints(url + " , http://10.0.0.9:1", "etcd:" + url);
        Assert.Equal([expected, "http://10.0.0.9:1/"], endpoints.Select(e => e.ToString()));
    }
}
