using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Nvo3.Nva.Tests.Storage;

/// <summary>
/// Runs tests/Nvo3.StoreWriter as a child process against a store spec, counts the commits it
/// acknowledges on stdout, and kills it with SIGKILL in the middle of its stream.
/// </summary>
internal sealed class StoreWriterProcess : IDisposable
{
    private readonly Process _process;
    private readonly int _writers;
    private readonly List<int> _acknowledged = [];
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StoreWriterProcess(string spec, int writers = 1)
    {
        _writers = writers;
        string dll = typeof(StoreWriterProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "Nvo3.StoreWriter").Value!;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"The store writer is not built at {dll}; build Nvo3.slnx (or tests/Nvo3.StoreWriter) in the same configuration.", dll);
        }
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(spec);
        start.ArgumentList.Add("100000");
        start.ArgumentList.Add(writers.ToString(CultureInfo.InvariantCulture));
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;

    /// <summary>The numbers of the keys whose commits returned before the kill.</summary>
    public IReadOnlyList<int> Acknowledged
    {
        get
        {
            lock (_acknowledged)
            {
                return [.. _acknowledged];
            }
        }
    }

    /// <summary>Waits until the writer has opened the store.</summary>
    public Task WaitReadyAsync(TimeSpan timeout) => WaitAsync(_ready.Task, timeout, "open its store");

    /// <summary>Waits until at least <paramref name="count"/> commits are acknowledged.</summary>
    public async Task WaitForAcknowledgedAsync(int count, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (Acknowledged.Count < count)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The store writer exited with code {_process.ExitCode} after {Acknowledged.Count} commits: {Stderr}");
            }
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"The store writer acknowledged {Acknowledged.Count} commits in {timeout.TotalSeconds} s, not {count}: {Stderr}");
            }
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Kills the writer with SIGKILL and waits until stdout is drained.</summary>
    public async Task KillAsync()
    {
        _process.Kill(); // SIGKILL to exactly this process id
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        await WaitAsync(_stdoutClosed.Task, TimeSpan.FromSeconds(10), "close its stdout");
    }

    /// <summary>
    /// Asserts that <paramref name="store"/>, reopened after the kill, holds every acknowledged key
    /// with its value, and at most the one commit that was in flight besides.
    /// </summary>
    public async Task AssertEveryAcknowledgedCommitIsInAsync(Nvo3.Nva.Storage.IDirectoryStore store)
    {
        var acknowledged = Acknowledged.Order().ToList();
        if (_writers == 1)
        {
            Assert.Equal(Enumerable.Range(0, acknowledged.Count), acknowledged);
        }
        var range = await store.ListAsync("durability/", TestContext.Current.CancellationToken);
        var present = range.Entries.ToDictionary(e => e.Key, e => Encoding.UTF8.GetString(e.Value));
        foreach (int i in acknowledged)
        {
            string key = "durability/" + i.ToString("D8", CultureInfo.InvariantCulture);
            Assert.True(present.TryGetValue(key, out var value), $"acknowledged {key} is missing after the kill ({present.Count} keys present, {acknowledged.Count} acknowledged)");
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), value);
        }
        // Besides the acknowledged ones, at most one commit in flight per writer landed.
        Assert.InRange(present.Count, acknowledged.Count, acknowledged.Count + _writers);
        Assert.All(present, kv => Assert.Equal(kv.Key, "durability/" + int.Parse(kv.Value, CultureInfo.InvariantCulture).ToString("D8", CultureInfo.InvariantCulture)));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _stdoutClosed.TrySetResult();
            _ready.TrySetException(new InvalidOperationException("The store writer ended before it was ready: " + Stderr));
            return;
        }
        if (line == "ready")
        {
            _ready.TrySetResult();
            return;
        }
        lock (_acknowledged)
        {
            _acknowledged.Add(int.Parse(line, CultureInfo.InvariantCulture));
        }
    }

    private async Task WaitAsync(Task task, TimeSpan timeout, string what)
    {
        try
        {
            await task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The store writer did not {what} within {timeout.TotalSeconds} s: {Stderr}");
        }
    }
}
