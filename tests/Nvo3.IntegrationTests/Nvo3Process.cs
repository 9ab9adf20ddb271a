using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Nvo3.IntegrationTests;

/// <summary>
/// One run of the real <c>nvo3</c> command as a child process (<c>dotnet nvo3.dll ARGS</c>): its
/// stdout lines as they arrive, its stderr, SIGKILL or SIGTERM to exactly its process id, and a
/// SIGKILL in <see cref="Dispose"/> if it is still running, whatever the test did.
/// </summary>
internal sealed partial class Nvo3Process : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly string _command;
    private readonly List<string> _stdout = [];
    private readonly StringBuilder _stderr = new();
    private TaskCompletionSource _lineArrived = NewSignal();
    private bool _stdoutClosed;

    private Nvo3Process(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        _command = "nvo3 " + string.Join(' ', args);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(DllPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // The tests name every address they use; the developer's default NVA must not leak in.
        start.Environment.Remove("NVO3_NVA");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        _process.OutputDataReceived += (_, e) => OnStdout(e.Data);
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

    /// <summary>Where the CLI's build put nvo3.dll (the same configuration as these tests).</summary>
    public static string DllPath
    {
        get
        {
            string dll = typeof(Nvo3Process).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "nvo3.dll").Value!;
            return File.Exists(dll) ? dll
                : throw new FileNotFoundException($"nvo3 is not built at {dll}; build Nvo3.slnx (or src/Nvo3.Cli) in the same configuration as the tests.", dll);
        }
    }

    /// <summary>The child's process id (the dotnet host runs nvo3 in this very process).</summary>
    public int ProcessId => _process.Id;

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code; only once it has ended.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The stdout lines so far.</summary>
    public IReadOnlyList<string> Stdout
    {
        get
        {
            lock (_stdout)
            {
                return [.. _stdout];
            }
        }
    }

    /// <summary>The stderr text so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>nvo3 ARGS</c>.</summary>
    public static Nvo3Process Start(params string[] args) => new(args);

    /// <summary>Starts <c>nvo3 ARGS</c> with extra environment variables.</summary>
    public static Nvo3Process Start(IReadOnlyDictionary<string, string> environment, params string[] args) => new(args, environment);

    /// <summary>Runs <c>nvo3 ARGS</c> to its end (killing it after <paramref name="timeout"/>) and returns it, exited.</summary>
    public static Task<Nvo3Process> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(timeout, null, args);

    /// <summary>Runs <c>nvo3 ARGS</c> with extra environment variables to its end (killing it after <paramref name="timeout"/>) and returns it, exited.</summary>
    public static async Task<Nvo3Process> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var process = new Nvo3Process(args, environment);
        try
        {
            await process.WaitForExitAsync(timeout);
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Starts <c>nvo3 nva serve --store STORE --listen 127.0.0.1:0</c> and waits until it serves; returns it and its address.</summary>
    public static async Task<(Nvo3Process Nva, Uri Address)> StartNvaAsync(string store, TimeSpan timeout, params string[] extra)
    {
        // Port 0: the kernel picks a free port, which nva serve prints in its "serving" line.
        var nva = Start(["nva", "serve", "--store", store, "--listen", "127.0.0.1:0", .. extra]);
        try
        {
            return (nva, await nva.WaitForServingAsync(timeout));
        }
        catch
        {
            nva.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the first stdout line that <paramref name="match"/> accepts and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            Task arrived;
            lock (_stdout)
            {
                if (_stdout.FirstOrDefault(match) is { } line)
                {
                    return line;
                }
                if (_stdoutClosed)
                {
                    throw new InvalidOperationException($"{_command} ended its output without {what}. {Describe()}");
                }
                arrived = _lineArrived.Task;
            }
            var left = timeout - stopwatch.Elapsed;
            if (left <= TimeSpan.Zero || await Task.WhenAny(arrived, Task.Delay(left, TestContext.Current.CancellationToken)) != arrived)
            {
                throw new TimeoutException($"{_command} did not print {what} within {timeout.TotalSeconds} s. {Describe()}");
            }
        }
    }

    /// <summary>Waits for nva serve's "serving http://HOST:PORT/" line and returns that address.</summary>
    public async Task<Uri> WaitForServingAsync(TimeSpan timeout)
    {
        const string Marker = "serving ";
        string line = await WaitForLineAsync(l => l.Contains(Marker, StringComparison.Ordinal), timeout, "its \"serving\" line");
        string rest = line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..];
        return new Uri(rest.Split(' ')[0]);
    }

    /// <summary>Kills it with SIGKILL, as a crash would, and waits until it is gone and its output drained.</summary>
    public async Task KillAsync()
    {
        _process.Kill(); // SIGKILL to exactly this process id
        await WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends SIGTERM (what systemd and docker stop send) and waits for the exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (SendSignal(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
        await WaitForExitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Waits until it has ended and its output is drained.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            // With asynchronous reads, this also waits for the end of stdout and stderr.
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_command} did not end within {timeout.TotalSeconds} s. {Describe()}");
        }
    }

    /// <summary>The command, its state and its output, for assertion messages.</summary>
    public string Describe() =>
        $"[{_command}, pid {_process.Id}, {(_process.HasExited ? $"exit code {_process.ExitCode}" : "running")}]\nstdout:\n{string.Join('\n', Stdout)}\nstderr:\n{Stderr}";

    /// <summary>Kills it with SIGKILL if it is still running.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }
        _process.Dispose();
    }

    private void OnStdout(string? line)
    {
        TaskCompletionSource arrived;
        lock (_stdout)
        {
            if (line is null)
            {
                _stdoutClosed = true;
            }
            else
            {
                _stdout.Add(line);
            }
            arrived = _lineArrived;
            _lineArrived = NewSignal();
        }
        arrived.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
