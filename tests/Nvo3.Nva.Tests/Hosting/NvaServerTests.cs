using System.Net;
using System.Net.Sockets;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Sqlite;
using Nvo3.Nva.Tests.Storage;

namespace Nvo3.Nva.Tests.Hosting;

/// <summary>Starting the server: a start that fails hands nothing back and closes the store it was given.</summary>
public sealed class NvaServerTests
{
    [Fact]
    public async Task StartAsync_PortTaken_ThrowsIOExceptionAndClosesTheStore()
    {
        using var folder = new TempFolder();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var ex = await Assert.ThrowsAsync<IOException>(() =>
            NvaServer.StartAsync(SqliteStore.Open(folder.File("nva.db")), new NvaServerOptions { Listen = $"127.0.0.1:{port}" }));

        Assert.Contains($"cannot listen on 127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        // The writer lock is free again: the failed server closed the store.
        await using var reopened = SqliteStore.Open(folder.File("nva.db"));
    }

    [Fact]
    public async Task StartAsync_MalformedListen_ThrowsArgumentExceptionAndClosesTheStore()
    {
        using var folder = new TempFolder();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            NvaServer.StartAsync(SqliteStore.Open(folder.File("nva.db")), new NvaServerOptions { Listen = "127.0.0.1:99999" }));

        Assert.Contains("is not HOST:PORT", ex.Message, StringComparison.Ordinal);
        await using var reopened = SqliteStore.Open(folder.File("nva.db"));
    }
}
