using System.Diagnostics;
using System.Globalization;
using Nvo3.Lab.Netns;

namespace Nvo3.Linux.Tests;

/// <summary>
/// tshark capturing on an interface inside a namespace (ip netns exec execs it in place, so the
/// process id is tshark's own); disposing stops it by that id, and deletes the file.
/// </summary>
internal sealed class NetnsCapture : IDisposable
{
    private readonly Process _process;
    private bool _stopped;

    private NetnsCapture(Process process, string path)
    {
        _process = process;
        Path = path;
    }

    public string Path { get; }

    public static async Task<NetnsCapture> StartAsync(string netns, string device, string filter)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"nvo3-{netns}-{Guid.NewGuid():N}.pcapng");
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { "netns", "exec", netns, "tshark", "-n", "-q", "-i", device, "-f", filter, "-w", path })
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start) ?? throw new IOException("tshark did not start.");
        var capture = new NetnsCapture(process, path);
        // tshark says "Capturing on 'br0'" once the capture runs.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Capturing on", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            capture.Dispose();
            throw new IOException($"tshark did not start capturing on {device} in {netns} within 20 s.");
        }
        return capture;
    }

    /// <summary>Stops the capture (SIGINT, so tshark writes what it has) and waits for the file.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        HostCommand.TryRun("kill", "-INT", _process.Id.ToString(CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        File.Delete(Path);
    }
}
