using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Nvo3.Testing;

/// <summary>
/// A real single-member etcd for tests: started on free loopback ports with its own data folder,
/// killed (by its process id, with SIGKILL) and deleted on dispose. Use it as an xunit class or
/// collection fixture; test projects link this file (tests/Shared/EtcdProcess.cs). When
/// <c>/usr/bin/etcd</c> is missing, nothing starts and <see cref="SkipIfMissing"/> skips the test.
/// </summary>
public sealed class EtcdProcess : IAsyncLifetime
{
    /// <summary>Where Debian's etcd-server package puts the binary.</summary>
    public const string ExecutablePath = "/usr/bin/etcd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Queue<string> _log = new();
    private Process? _process;

    /// <summary>True when etcd is installed (and so started by <see cref="InitializeAsync"/>).</summary>
    public bool IsInstalled { get; } = File.Exists(ExecutablePath);

    /// <summary>The client URL, e.g. <c>http://127.0.0.1:40123</c>; empty when etcd is not installed.</summary>
    public string ClientUrl { get; private set; } = "";

    /// <summary>The data folder, kept across <see cref="RestartAsync"/> and deleted on dispose.</summary>
    public string DataDirectory { get; private set; } = "";

    /// <summary>The process id of the running etcd, or 0.</summary>
    public int ProcessId => _process is { HasExited: false } p ? p.Id : 0;

    private int ClientPort { get; set; }

    private int PeerPort { get; set; }

    /// <summary>Skips the calling test when etcd is not installed.</summary>
    public void SkipIfMissing()
    {
        if (!IsInstalled)
        {
            Assert.Skip($"etcd is not installed (apt-get install etcd-server): {ExecutablePath} is missing.");
        }
    }

    /// <summary>Starts etcd on two free loopback ports and waits until it reports healthy.</summary>
    public async ValueTask InitializeAsync()
    {
        if (!IsInstalled)
        {
            return;
        }
        DataDirectory = Path.Combine(Path.GetTempPath(), "nvo3-etcd-" + Guid.NewGuid().ToString("N"));
        ClientPort = FreePort();
        PeerPort = FreePort();
        ClientUrl = $"http://127.0.0.1:{ClientPort}";
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Kills etcd with SIGKILL, as a crash would, and waits until it is gone.</summary>
    public void Kill()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }
        try
        {
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL to exactly this process id
                process.WaitForExit(10_000);
            }
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>Kills etcd and starts it again on the same data folder and ports.</summary>
    public async Task RestartAsync()
    {
        Kill();
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Kills etcd and deletes its data folder.</summary>
    public ValueTask DisposeAsync()
    {
        Kill();
        if (DataDirectory.Length > 0 && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        return ValueTask.CompletedTask;
    }

    private async Task StartAsync()
    {
        string peerUrl = $"http://127.0.0.1:{PeerPort}";
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[
            "--name", "default",
            "--data-dir", DataDirectory,
            "--listen-client-urls", ClientUrl,
            "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", peerUrl,
            "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", $"default={peerUrl}",
            "--initial-cluster-state", "new",
            "--logger", "zap",
            "--log-level", "warn",
        ])
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with code {process.ExitCode} while starting:\n{LogTail()}");
            }
            try
            {
                string health = await http.GetStringAsync(new Uri(ClientUrl + "/health")).ConfigureAwait(false);
                if (health.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        Kill();
        throw new TimeoutException($"etcd did not become healthy within {StartTimeout.TotalSeconds} s:\n{LogTail()}");
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > 50)
            {
                _log.Dequeue();
            }
        }
    }

    private string LogTail()
    {
        lock (_log)
        {
            return string.Join('\n', _log);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
