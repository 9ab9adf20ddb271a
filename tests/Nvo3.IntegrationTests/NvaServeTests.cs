using System.Net;
using System.Net.Sockets;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nva.Storage;
using Nvo3.Packets;

namespace Nvo3.IntegrationTests;

/// <summary><c>nvo3 nva serve</c> as a process: how it stops, and how it refuses to start.</summary>
public sealed class NvaServeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_Sigterm_StopsCleanlyWithExitCodeZero()
    {
        using var folder = new TempFolder();
        string store = "sqlite:" + folder.File("nva.db");
        var (nva, address) = await Nvo3Process.StartNvaAsync(store, Timeout);
        using (nva)
        using (var client = new NvaClient(address))
        {
            // A watcher with its stream open: stopping must not wait for it.
            using var cancel = new CancellationTokenSource();
            var first = new TaskCompletionSource<DirectoryChange>(TaskCreationOptions.RunContinuationsAsynchronously);
            var watch = Task.Run(async () =>
            {
                try
                {
                    await foreach (var change in client.WatchAsync(1, "watcher", cancel.Token))
                    {
                        first.TrySetResult(change);
                    }
                }
                catch (NvaException ex) when (ex.Error == NvaError.Unavailable)
                {
                    // The stream was cut rather than ended: acceptable for a stopping server.
                }
            });
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.Zero));
            Assert.Equal(ChangeKind.NetworkPut, (await first.Task.WaitAsync(Timeout)).Kind);

            int exitCode = await nva.TerminateAsync(Timeout);

            Assert.True(exitCode == 0, nva.Describe());
            Assert.Contains("nvo3 nva: stopping.", nva.Stdout);
            Assert.True(nva.Stderr.Length == 0, nva.Describe());
            await watch.WaitAsync(Timeout); // the watcher's stream ended with the server
        }
        // Stopped, not crashed: the store is closed, and what was written is there.
        await using var reopened = await DirectoryStores.OpenAsync(store);
        Assert.Single((await reopened.ListAsync(Nvo3.Nva.Records.Keys.Networks)).Entries);
    }

    [Fact]
    public async Task Serve_SecondNvaOnTheSameSqliteFile_IsRefusedNamingTheLock()
    {
        using var folder = new TempFolder();
        string store = "sqlite:" + folder.File("nva.db");
        var (first, _) = await Nvo3Process.StartNvaAsync(store, Timeout);
        using (first)
        {
            using var second = await Nvo3Process.RunAsync(Timeout, "nva", "serve", "--store", store, "--listen", "127.0.0.1:0");

            Assert.True(second.ExitCode == 1, second.Describe());
            Assert.Contains("already open in another process", second.Stderr, StringComparison.Ordinal);
            Assert.Contains(folder.File("nva.db.lock"), second.Stderr, StringComparison.Ordinal);
            Assert.False(first.HasExited);
        }
    }

    [Fact]
    public async Task Serve_PortTaken_ExitsWithOneLineAndNoStackTrace()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        using var nva = await Nvo3Process.RunAsync(Timeout, "nva", "serve", "--store", "memory", "--listen", $"127.0.0.1:{port}");

        Assert.True(nva.ExitCode == 1, nva.Describe());
        Assert.Equal($"nvo3 nva serve: The NVA cannot listen on 127.0.0.1:{port}: Failed to bind to address http://127.0.0.1:{port}: address already in use.",
            nva.Stderr.Trim());
    }

    [Fact]
    public async Task Serve_MalformedListen_IsAUsageErrorInTheUsersWords()
    {
        using var nva = await Nvo3Process.RunAsync(Timeout, "nva", "serve", "--store", "memory", "--listen", "127.0.0.1:99999");

        Assert.True(nva.ExitCode == 2, nva.Describe());
        Assert.Equal("nvo3 nva serve: '127.0.0.1:99999' is not HOST:PORT; write 127.0.0.1:7470, [::1]:7470 or 0.0.0.0:7470.", nva.Stderr.Trim());
    }
}
