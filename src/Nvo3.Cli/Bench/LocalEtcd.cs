using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Nvo3.Cli.Bench;

/// <summary>
/// A throw-away etcd cluster of one or more members on loopback, for benchmarks and fault tests:
/// each member is started from <see cref="ExecutablePath"/> on free loopback ports with its own
/// data folder under the temp folder. A member can be killed (SIGKILL, by its process id) and
/// started again on its data; disposing kills exactly the processes it started and deletes the
/// folders. (The integration tests link this file.)
/// </summary>
internal sealed class LocalEtcd : IAsyncDisposable
{
    /// <summary>Where Debian's etcd-server package puts the binary.</summary>
    public const string ExecutablePath = "/usr/bin/etcd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Member[] _members;

    private LocalEtcd(Member[] members) => _members = members;

    /// <summary>True when etcd is installed.</summary>
    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>The first member's client URL, like http://127.0.0.1:40123.</summary>
    public string ClientUrl => _members[0].ClientUrl;

    /// <summary>Every member's client URL.</summary>
    public IReadOnlyList<string> ClientUrls => _members.Select(m => m.ClientUrl).ToList();

    /// <summary>The store spec for the NVA: <c>etcd:URL,URL,…</c>.</summary>
    public string StoreSpec => "etcd:" + string.Join(',', ClientUrls);

    /// <summary>How many members the cluster has.</summary>
    public int Members => _members.Length;

    /// <summary>The process id of member <paramref name="index"/>, or 0 while it is down.</summary>
    public int ProcessId(int index) => _members[index].Process is { HasExited: false } p ? p.Id : 0;

    /// <summary>Starts a cluster of <paramref name="members"/> and waits until every member reports healthy.</summary>
    /// <exception cref="IOException">etcd is missing, exited, or did not become healthy in time.</exception>
    public static async Task<LocalEtcd> StartAsync(int members = 1, CancellationToken cancellationToken = default)
    {
        if (!IsInstalled)
        {
            throw new IOException($"etcd is not installed ({ExecutablePath} is missing; apt-get install etcd-server).");
        }
        string cluster = "nvo3-" + Guid.NewGuid().ToString("N")[..8];
        var all = Enumerable.Range(0, members).Select(i => new Member(
            $"m{i}", Path.Combine(Path.GetTempPath(), $"nvo3-etcd-{cluster}-m{i}"), $"http://127.0.0.1:{FreePort()}", $"http://127.0.0.1:{FreePort()}")).ToArray();
        string initial = string.Join(',', all.Select(m => $"{m.Name}={m.PeerUrl}"));
        var etcd = new LocalEtcd(all);
        try
        {
            foreach (var member in all)
            {
                member.Start(cluster, initial);
            }
            foreach (var member in all)
            {
                await member.WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
            }
            return etcd;
        }
        catch
        {
            await etcd.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills member <paramref name="index"/> with SIGKILL, as a crash would, and waits until it is gone.</summary>
    public void Kill(int index) => _members[index].Kill();

    /// <summary>Starts member <paramref name="index"/> again on its data folder and ports, and waits until it is healthy.</summary>
    public async Task RestartAsync(int index, CancellationToken cancellationToken = default)
    {
        var member = _members[index];
        member.Kill();
        member.Start(null, null);
        await member.WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills every member (SIGKILL to each process id) and deletes the data folders.</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            member.Kill();
            if (Directory.Exists(member.DataDirectory))
            {
                Directory.Delete(member.DataDirectory, recursive: true);
            }
        }
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One member: its name, folder, URLs and process (owned; killed by <see cref="Kill"/>).</summary>
    private sealed class Member(string name, string dataDirectory, string clientUrl, string peerUrl)
    {
        public string Name => name;

        public string DataDirectory => dataDirectory;

        public string ClientUrl => clientUrl;

        public string PeerUrl => peerUrl;

        public Process? Process { get; private set; }

        // A new cluster the first time (token and initial cluster given); a restart finds its
        // membership in its data folder.
        public void Start(string? token, string? initialCluster)
        {
            var start = new ProcessStartInfo(ExecutablePath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            List<string> arguments =
            [
                "--name", name, "--data-dir", dataDirectory,
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--logger", "zap", "--log-level", "error",
            ];
            if (token is not null)
            {
                arguments.AddRange(["--initial-cluster", initialCluster!, "--initial-cluster-state", "new", "--initial-cluster-token", token]);
            }
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            var process = System.Diagnostics.Process.Start(start) ?? throw new IOException($"Could not start {ExecutablePath}.");
            // Drain its output so a full pipe never blocks it.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            Process = process;
        }

        public async Task WaitHealthyAsync(CancellationToken cancellationToken)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var stopwatch = Stopwatch.StartNew();
            while (stopwatch.Elapsed < StartTimeout)
            {
                if (Process is not { HasExited: false } process)
                {
                    throw new IOException($"etcd member {name} exited while starting.");
                }
                try
                {
                    string health = await http.GetStringAsync(new Uri(clientUrl + "/health"), cancellationToken).ConfigureAwait(false);
                    if (health.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet, or no quorum yet.
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // That attempt timed out.
                }
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            throw new IOException($"etcd member {name} did not become healthy within {StartTimeout.TotalSeconds} s.");
        }

        public void Kill()
        {
            var process = Process;
            Process = null;
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
            catch (InvalidOperationException)
            {
                // It ended between the check and the kill.
            }
            finally
            {
                process.Dispose();
            }
        }
    }
}
