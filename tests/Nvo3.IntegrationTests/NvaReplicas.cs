using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Nvo3.Nva;
using Nvo3.Nva.Client;

namespace Nvo3.IntegrationTests;

/// <summary>
/// Several <c>nvo3 nva serve</c> processes on one store (an etcd cluster), each on a port of its
/// own that it keeps across a restart, so clients keep their address list. Kills exactly the
/// processes it started (SIGKILL by process id), also in <see cref="Dispose"/>.
/// </summary>
internal sealed class NvaReplicas : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _store;
    private readonly string[] _extra;
    private readonly int[] _ports;
    private readonly Nvo3Process?[] _processes;

    public NvaReplicas(string store, int count, params string[] extra)
    {
        _store = store;
        _extra = extra;
        _ports = Enumerable.Range(0, count).Select(_ => FreePort()).ToArray();
        _processes = new Nvo3Process?[count];
        Addresses = _ports.Select(p => new Uri($"http://127.0.0.1:{p}/")).ToArray();
    }

    /// <summary>Each replica's address, whether it runs or not.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>The replica's process, while it runs.</summary>
    public Nvo3Process? this[int index] => _processes[index];

    /// <summary>Starts every replica and waits until each serves.</summary>
    public async Task StartAsync()
    {
        for (int i = 0; i < _ports.Length; i++)
        {
            await StartAsync(i);
        }
    }

    /// <summary>Starts replica <paramref name="index"/> on its port and waits until it serves.</summary>
    public async Task StartAsync(int index)
    {
        var process = Nvo3Process.Start(["nva", "serve", "--store", _store, "--listen", $"127.0.0.1:{_ports[index]}",
            "--replica-name", $"nva{index}", .. _extra]);
        _processes[index] = process;
        await process.WaitForServingAsync(Timeout);
    }

    /// <summary>Kills replica <paramref name="index"/> with SIGKILL, as a crash would.</summary>
    public async Task KillAsync(int index)
    {
        var process = _processes[index] ?? throw new InvalidOperationException($"Replica {index} is not running.");
        _processes[index] = null;
        await process.KillAsync();
        process.Dispose();
    }

    /// <summary>The index of the replica that says it leads, polling until one does.</summary>
    public async Task<int> LeaderAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        using var client = new NvaClient(Addresses);
        while (true)
        {
            var answers = await client.StatusOfEachAsync();
            int leader = answers.Select((a, i) => (a.Status, i)).FirstOrDefault(a => a.Status is { Leader: true }, (null, -1)).i;
            if (leader >= 0)
            {
                return leader;
            }
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"No NVA replica led within {timeout.TotalSeconds} s: {string.Join("; ", answers.Select(a => a.Failure ?? $"{a.Status!.Replica} follows"))}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Resident memory of each running replica, in KiB (from /proc), by index.</summary>
    public IReadOnlyDictionary<int, long> ResidentKib() => Enumerable.Range(0, _processes.Length)
        .Where(i => _processes[i] is { HasExited: false })
        .ToDictionary(i => i, i => ResidentKib(_processes[i]!.ProcessId));

    /// <summary>A process's VmRSS in KiB, or 0 when it is gone.</summary>
    public static long ResidentKib(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    /// <summary>What each replica printed, for assertion messages.</summary>
    public string Describe() => string.Join("\n", _processes.Select((p, i) => p?.Describe() ?? $"[replica {i} not running]"));

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            process?.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
