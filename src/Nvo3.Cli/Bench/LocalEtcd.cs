using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Nvo3.Cli.Bench;

/// <summary>
/// A throw-away single-member etcd for a benchmark: started from <see cref="ExecutablePath"/> on
/// free loopback ports with a data folder under the temp folder; disposing kills exactly that
/// process (SIGKILL, by its id) and deletes the folder.
/// </summary>
internal sealed class LocalEtcd : IAsyncDisposable
{
    /// <summary>Where Debian's etcd-server package puts the binary.</summary>
    public const string ExecutablePath = "/usr/bin/etcd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly string _dataDirectory;

    private LocalEtcd(Process process, string dataDirectory, string clientUrl)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        ClientUrl = clientUrl;
    }

    /// <summary>True when etcd is installed.</summary>
    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>The client URL, like http://127.0.0.1:40123.</summary>
    public string ClientUrl { get; }

    /// <summary>Starts etcd and waits until it reports healthy.</summary>
    /// <exception cref="IOException">etcd is missing, exited, or did not become healthy in time.</exception>
    public static async Task<LocalEtcd> StartAsync(CancellationToken cancellationToken = default)
    {
        if (!IsInstalled)
        {
            throw new IOException($"etcd is not installed ({ExecutablePath} is missing; apt-get install etcd-server).");
        }
        string data = Path.Combine(Path.GetTempPath(), "nvo3-bench-etcd-" + Guid.NewGuid().ToString("N"));
        string clientUrl = $"http://127.0.0.1:{FreePort()}";
        string peerUrl = $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[
            "--name", "bench",
            "--data-dir", data,
            "--listen-client-urls", clientUrl,
            "--advertise-client-urls", clientUrl,
            "--listen-peer-urls", peerUrl,
            "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", $"bench={peerUrl}",
            "--initial-cluster-state", "new",
            "--logger", "zap",
            "--log-level", "error",
        ])
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new IOException($"Could not start {ExecutablePath}.");
        // Drain its output so a full pipe never blocks it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var etcd = new LocalEtcd(process, data, clientUrl);
        try
        {
            await etcd.WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
            return etcd;
        }
        catch
        {
            await etcd.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new IOException($"etcd exited with code {_process.ExitCode} while starting.");
            }
            try
            {
                string health = await http.GetStringAsync(new Uri(ClientUrl + "/health"), cancellationToken).ConfigureAwait(false);
                if (health.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // That attempt timed out.
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        throw new IOException($"etcd did not become healthy within {StartTimeout.TotalSeconds} s.");
    }

    /// <summary>Kills etcd (SIGKILL to its process id) and deletes its data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }
        finally
        {
            _process.Dispose();
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
