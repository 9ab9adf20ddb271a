using System.ComponentModel;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Nvo3.Qemu.Qmp;

namespace Nvo3.Qemu.Vm;

/// <summary>
/// A QEMU process this object started and owns, with its QMP connection and serial console.
/// Its files (QMP socket, serial log) live in a private run directory (mode 0700). Disposing ends
/// only this QEMU, by its process id: SIGTERM, then SIGKILL after <see cref="QemuVmOptions.StopTimeout"/>;
/// then the run directory is removed. <see cref="Kill"/> sends SIGKILL at once, for fault tests.
/// </summary>
public sealed class QemuVm : IAsyncDisposable
{
    private const int StderrKept = 8192;

    private readonly Process _process;
    private readonly SerialLog _serial;
    private readonly StringBuilder _stderr = new();
    private bool _disposed;

    private QemuVm(QemuVmOptions options, QemuAccelerator accelerator, Process process, string runDirectory)
    {
        Options = options;
        Accelerator = accelerator;
        _process = process;
        RunDirectory = runDirectory;
        _serial = new SerialLog(Path.Combine(runDirectory, QemuCommandLine.SerialLogName));
    }

    /// <summary>What it was started with.</summary>
    public QemuVmOptions Options { get; }

    /// <summary>The guest's name.</summary>
    public string Name => Options.Name;

    /// <summary>The accelerator it runs with.</summary>
    public QemuAccelerator Accelerator { get; }

    /// <summary>QEMU's process id.</summary>
    public int Pid { get; private set; }

    /// <summary>The private directory of its sockets and logs.</summary>
    public string RunDirectory { get; }

    /// <summary>The QMP socket.</summary>
    public string QmpSocketPath => Path.Combine(RunDirectory, QemuCommandLine.QmpSocketName);

    /// <summary>The serial console's log.</summary>
    public string SerialLogPath => _serial.Path;

    /// <summary>The QMP connection (open while the VM runs).</summary>
    public QmpClient Qmp { get; private set; } = null!;

    /// <summary>True once the QEMU process has ended.</summary>
    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>What the guest printed on its console so far.</summary>
    public string SerialText => _serial.Text;

    /// <summary>What QEMU printed on stderr (its last 8 KiB).</summary>
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

    /// <summary>
    /// Starts QEMU for <paramref name="options"/> and connects to its QMP socket. Throws
    /// <see cref="IOException"/> with QEMU's own complaint when it exits or does not serve QMP
    /// within <see cref="QemuVmOptions.StartTimeout"/>; nothing is left behind then.
    /// </summary>
    public static async Task<QemuVm> StartAsync(QemuVmOptions options, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("QEMU guests with TAP NICs need Linux.");
        }
        if (options.Name.Length == 0 || options.Name.Length > 32 || !options.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"VM name '{options.Name}' must be 1 to 32 letters, digits, '-' or '_'.", nameof(options));
        }
        var accelerator = options.Accelerator ?? await QemuAccelerators.ResolveAsync(options.Image, cancellationToken).ConfigureAwait(false);
        string parent = options.RunDirectoryParent ?? QemuVmOptions.DefaultRunDirectoryParent();
        Directory.CreateDirectory(parent);
        string runDirectory = Path.Combine(parent, $"{options.Name}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(runDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var arguments = QemuCommandLine.Build(options, runDirectory, accelerator);
        var start = new ProcessStartInfo(options.Netns is null ? options.QemuBinary : "ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (options.Netns is { } netns)
        {
            // ip netns exec enters the namespace and execs QEMU in place: the pid stays QEMU's.
            foreach (string a in (string[])["netns", "exec", netns, options.QemuBinary])
            {
                start.ArgumentList.Add(a);
            }
        }
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IOException($"Cannot start {options.QemuBinary}.");
        }
        catch (Win32Exception ex)
        {
            Directory.Delete(runDirectory, recursive: true);
            throw new IOException($"Cannot run {start.FileName}: {ex.Message} (install qemu-system-x86).", ex);
        }
        var vm = new QemuVm(options, accelerator, process, runDirectory) { Pid = process.Id };
        process.StandardInput.Close();
        process.ErrorDataReceived += (_, e) => vm.KeepStderr(e.Data);
        process.OutputDataReceived += (_, e) => vm.KeepStderr(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            vm.Qmp = await vm.ConnectQmpAsync(cancellationToken).ConfigureAwait(false);
            return vm;
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<QmpClient> ConnectQmpAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false); // drains stderr
                throw new IOException($"QEMU for {Name} exited with {_process.ExitCode} before serving QMP: {Stderr.Trim()}");
            }
            if (File.Exists(QmpSocketPath))
            {
                try
                {
                    return await QmpClient.ConnectAsync(QmpSocketPath, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // The socket file exists a moment before QEMU listens on it.
                }
                catch (QmpProtocolException) when (_process.HasExited || _process.WaitForExit(2000))
                {
                    // QEMU made its QMP socket, then failed on a later option and exited: the loop
                    // reports its own complaint.
                    continue;
                }
            }
            if (Stopwatch.GetElapsedTime(started) > Options.StartTimeout)
            {
                throw new IOException($"QEMU for {Name} did not serve QMP at {QmpSocketPath} within {Options.StartTimeout.TotalSeconds:0} s: {Stderr.Trim()}");
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the guest prints a line containing <paramref name="marker"/> on its console and
    /// returns that line; bounded by <paramref name="cancellationToken"/>. Throws <see cref="IOException"/>
    /// with the console's end when QEMU exits first.
    /// </summary>
    public async Task<string> WaitForSerialAsync(string marker, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_serial.FindLine(marker) is { } line)
            {
                return line;
            }
            if (HasExited)
            {
                string text = _serial.Text;
                throw new IOException($"QEMU for {Name} exited ({_process.ExitCode}) before its guest printed {marker}. Console: {text[Math.Max(0, text.Length - 800)..]} QEMU: {Stderr.Trim()}");
            }
            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for QEMU to exit; true when it has.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL now: QEMU dies without a word (a crashed host, for fault tests). The run directory stays until disposed.</summary>
    public void Kill()
    {
        if (!HasExited)
        {
            _process.Kill();
        }
    }

    private void KeepStderr(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_stderr)
        {
            _stderr.AppendLine(line);
            if (_stderr.Length > StderrKept)
            {
                _stderr.Remove(0, _stderr.Length - StderrKept);
            }
        }
    }

    /// <summary>Ends this QEMU (SIGTERM, then SIGKILL after the bound) and removes its run directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        if (Qmp is not null)
        {
            await Qmp.DisposeAsync().ConfigureAwait(false);
        }
        if (!_process.HasExited)
        {
            // Checked just before: the pid is still our unreaped child, not a reused one.
            ProcessSignals.Kill(_process.Id, ProcessSignals.SigTerm);
            if (!await WaitForExitAsync(Options.StopTimeout).ConfigureAwait(false))
            {
                _process.Kill();
                await WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        _disposed = true;
        _process.Dispose();
        try
        {
            Directory.Delete(RunDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
