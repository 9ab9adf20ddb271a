using System.Net;
using System.Net.Sockets;
using System.Text;
using Nvo3.Nva.Client;

namespace Nvo3.IntegrationTests;

/// <summary>
/// <c>nva serve</c> and <c>nve run</c> on the Generic Host, as real processes: systemd's notify
/// protocol over a datagram socket the test binds (READY=1 once serving or registered, STOPPING=1 on
/// SIGTERM), and settings from a <c>--config</c> file, <c>NVO3_*</c> variables and flags, flags winning.
/// </summary>
public sealed class DaemonHostTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_NotifySocket_ReadyOnceServingAndStoppingOnSigterm()
    {
        using var folder = new TempFolder();
        using var notify = NotifySocket(folder.File("notify"));
        using var nva = Nvo3Process.Start(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = folder.File("notify") },
            "nva", "serve", "--store", "memory", "--listen", "127.0.0.1:0", "--insecure");

        Assert.Equal("READY=1", await ReceiveAsync(notify, nva));
        // Ready means serving: the first call after READY=1 is answered, no retry.
        var address = await nva.WaitForServingAsync(Timeout);
        using (var client = new NvaClient(address))
        {
            Assert.Empty(await client.ListVirtualNetworksAsync(TestContext.Current.CancellationToken));
        }
        int exitCode = await nva.TerminateAsync(Timeout);

        Assert.True(exitCode == 0, nva.Describe());
        Assert.Equal("STOPPING=1", await ReceiveAsync(notify, nva));
        Assert.Contains("nvo3 nva: stopping.", nva.Stdout);
    }

    [Fact]
    public async Task Run_NotifySocket_ReadyOnlyOnceRegistered()
    {
        using var folder = new TempFolder();
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Timeout, "--insecure");
        using (nva)
        {
            using var notify = NotifySocket(folder.File("notify"));
            byte net = (byte)Random.Shared.Next(10, 250);
            // The required --name from the file and --underlay from the environment: not a flag for either.
            string config = folder.File("nve.json");
            await File.WriteAllTextAsync(config, """{ "name": "h1", "insecure": true }""", TestContext.Current.CancellationToken);
            var environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = folder.File("notify"), ["NVO3_UNDERLAY"] = $"127.0.{net}.1" };
            using var nve = Nvo3Process.Start(environment, "nve", "run", "--nva", $"{address.Host}:{address.Port}", "--config", config);

            Assert.Equal("READY=1", await ReceiveAsync(notify, nve));
            using var client = new NvaClient(address);
            var nves = await client.ListNvesAsync(TestContext.Current.CancellationToken);
            Assert.Contains(nves, n => n.Nve.Name == "h1" && n.Alive);

            Assert.Equal(0, await nve.TerminateAsync(Timeout));
            Assert.Equal("STOPPING=1", await ReceiveAsync(notify, nve));
        }
    }

    [Fact]
    public async Task Serve_UnderJournald_LogsOneLinePerMessageWithItsPriorityAndNoTimestamp()
    {
        // journald sets JOURNAL_STREAM for a service whose output it takes.
        using var nva = Nvo3Process.Start(new Dictionary<string, string> { ["JOURNAL_STREAM"] = "8:4242" },
            "nva", "serve", "--store", "memory", "--listen", "127.0.0.1:0", "--insecure");
        await nva.WaitForServingAsync(Timeout);
        Assert.Equal(0, await nva.TerminateAsync(Timeout));

        var logs = nva.Stdout.Where(l => !l.StartsWith("nvo3 nva: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(logs, l => l.StartsWith("<4>Nvo3.Hosting.GrpcHost[1] The NVA serves plain text", StringComparison.Ordinal)); // the --insecure warning
        Assert.Contains(logs, l => l.StartsWith("<6>Nvo3.Nva.Hosting.NvaServer[1] NVA listening", StringComparison.Ordinal));
        Assert.All(logs, l => Assert.Matches(@"^<[0-7]>\S", l)); // every line a priority, no time, no colour
    }

    [Fact]
    public async Task Serve_ConfigFile_SetsOptionsAndAFlagOverridesIt()
    {
        using var folder = new TempFolder();
        int port = FreePort();
        string config = folder.File("nva.json");
        await File.WriteAllTextAsync(config, $$"""
            // comments are allowed
            { "store": "memory", "listen": "127.0.0.1:{{port}}", "insecure": true, "cache-lifetime-ms": 700, }
            """, TestContext.Current.CancellationToken);

        using (var fromFile = Nvo3Process.Start("nva", "serve", "--config", config))
        {
            var address = await fromFile.WaitForServingAsync(Timeout);
            Assert.Equal(port, address.Port);
            Assert.Contains(fromFile.Stdout, l => l.Contains("plain text (--insecure)", StringComparison.Ordinal)); // a true from the file
            Assert.Equal(0, await fromFile.TerminateAsync(Timeout));
        }
        using var flagWins = Nvo3Process.Start("nva", "serve", "--config", config, "--listen", "127.0.0.1:0");
        Assert.NotEqual(port, (await flagWins.WaitForServingAsync(Timeout)).Port);
    }

    [Fact]
    public async Task Serve_EnvironmentVariable_SetsAnOptionOverTheFileButNotOverAFlag()
    {
        using var folder = new TempFolder();
        int port = FreePort();
        string config = folder.File("nva.json");
        await File.WriteAllTextAsync(config, """{ "store": "memory", "listen": "127.0.0.1:1" }""", TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string> { ["NVO3_LISTEN"] = $"127.0.0.1:{port}", ["NVO3_INSECURE"] = "true" };

        using (var fromEnvironment = Nvo3Process.Start(environment, "nva", "serve", "--config", config))
        {
            Assert.Equal(port, (await fromEnvironment.WaitForServingAsync(Timeout)).Port);
            Assert.Equal(0, await fromEnvironment.TerminateAsync(Timeout));
        }
        using var flagWins = Nvo3Process.Start(environment, "nva", "serve", "--config", config, "--listen", "127.0.0.1:0");
        Assert.NotEqual(port, (await flagWins.WaitForServingAsync(Timeout)).Port);
    }

    [Theory]
    [InlineData("missing", null, "no such file")]
    [InlineData("broken", """{ "listen": """, "not valid JSON")]
    [InlineData("unknown key", """{ "lisen": "127.0.0.1:0" }""", "unknown key 'lisen'")]
    [InlineData("wrong type", """{ "listen": 7470 }""", "key 'listen' must be a string")]
    [InlineData("bad value", """{ "cache-lifetime-ms": "soon" }""", "key 'cache-lifetime-ms'")]
    [InlineData("not an object", """["listen"]""", "a JSON object")]
    public async Task Serve_BadConfigFile_ExitsTwoWithOneLineNamingTheFile(string what, string? content, string expected)
    {
        using var folder = new TempFolder();
        string config = folder.File("nva.json");
        if (content is not null)
        {
            await File.WriteAllTextAsync(config, content, TestContext.Current.CancellationToken);
        }

        using var nva = await Nvo3Process.RunAsync(Timeout, "nva", "serve", "--store", "memory", "--config", config);

        Assert.True(nva.ExitCode == 2, $"{what}: {nva.Describe()}");
        string line = Assert.Single(nva.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("nvo3 nva serve: ", line, StringComparison.Ordinal);
        Assert.Contains(config, line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Empty(nva.Stdout);
    }

    [Fact]
    public async Task Serve_BadEnvironmentValue_ExitsTwoNamingTheVariable()
    {
        using var nva = await Nvo3Process.RunAsync(Timeout, new Dictionary<string, string> { ["NVO3_LEASE_SECONDS"] = "forever" }, "nva", "serve", "--store", "memory");

        Assert.True(nva.ExitCode == 2, nva.Describe());
        string line = Assert.Single(nva.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("nvo3 nva serve: $NVO3_LEASE_SECONDS: ", line, StringComparison.Ordinal);
    }

    private static Socket NotifySocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    // The next notification, or a failure that says what the process printed.
    private static async Task<string> ReceiveAsync(Socket notify, Nvo3Process process)
    {
        var buffer = new byte[512];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            int n = await notify.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            return Encoding.UTF8.GetString(buffer, 0, n).Trim();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No notification within {Timeout.TotalSeconds} s. {process.Describe()}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
