using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nvo3.Cli.Tests.Chromium;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol on a WebSocket: navigate, wait
/// for the load event, evaluate JavaScript, take a screenshot, and list every URL the page asked
/// for. One page, one process tree started here and ended by its process id in
/// <see cref="DisposeAsync"/>, with a fresh profile folder that is deleted then.
/// </summary>
/// <remarks>
/// The protocol is used directly (a ClientWebSocket and System.Text.Json) rather than through
/// Playwright: the tests need five methods, Playwright for .NET would bring its Node.js driver and
/// cannot download its own browser here, and this way nothing but the system's chromium is needed.
/// </remarks>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Where Debian installs it.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly Dictionary<int, TaskCompletionSource<JsonElement>> _pending = [];
    private readonly List<string> _requests = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _receiving;
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Why the tests cannot run here, or null when they can.</summary>
    public static string? Unavailable =>
        File.Exists(ExecutablePath) ? null : $"{ExecutablePath} is missing (apt-get install chromium; ./test.sh installs it as root)";

    /// <summary>The URLs the page requested since it was opened.</summary>
    public IReadOnlyList<string> RequestedUrls
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts Chromium on a blank page and connects to that page.</summary>
    public static async Task<HeadlessChromium> StartAsync(TimeSpan timeout)
    {
        string profile = Path.Combine(Path.GetTempPath(), "nvo3-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(ExecutablePath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"])
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start chromium.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var chromium = new HeadlessChromium(process, profile);
        try
        {
            await chromium.ConnectAsync(timeout);
            return chromium;
        }
        catch
        {
            await chromium.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> and waits for its load event.</summary>
    public async Task NavigateAsync(string url, TimeSpan timeout)
    {
        _loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await _loaded.Task.WaitAsync(timeout);
    }

    /// <summary>The value of <paramref name="expression"/> evaluated in the page, as JSON.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var reply = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (reply.TryGetProperty("exceptionDetails", out var error))
        {
            throw new InvalidOperationException($"The page threw: {error}");
        }
        return reply.GetProperty("result").GetProperty("value");
    }

    /// <summary>A PNG of the page at <paramref name="width"/> CSS pixels wide, as tall as its content (at most <paramref name="maxHeight"/>).</summary>
    public async Task<byte[]> ScreenshotAsync(int width, int maxHeight)
    {
        int height = Math.Min(maxHeight, (await EvaluateAsync("document.documentElement.scrollHeight")).GetInt32());
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    /// <summary>Closes the connection, ends Chromium's process tree and deletes the profile.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Abort();
        _socket.Dispose();
        if (_receiving is not null)
        {
            await _receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true); // this chromium and the renderers it forked
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It ended on its own meanwhile.
        }
        _process.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A renderer that was still writing its cache; the folder is in the temp folder anyway.
        }
    }

    private async Task ConnectAsync(TimeSpan timeout)
    {
        // With port 0, Chromium picks a free port and writes it, with the browser's path, into the profile.
        string portFile = Path.Combine(_profile, "DevToolsActivePort");
        var stopwatch = Stopwatch.StartNew();
        string[] lines = [];
        while (lines.Length < 2)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"chromium exited with code {_process.ExitCode} before it listened.");
            }
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"chromium did not write {portFile} within {timeout.TotalSeconds} s.");
            }
            await Task.Delay(100);
            lines = File.Exists(portFile) ? (await File.ReadAllLinesAsync(portFile)).Where(l => l.Length > 0).ToArray() : [];
        }
        using var http = new HttpClient { Timeout = timeout };
        string list = await http.GetStringAsync($"http://127.0.0.1:{lines[0]}/json/list");
        string page = JsonNode.Parse(list)!.AsArray().First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
        await _socket.ConnectAsync(new Uri(page), _stop.Token);
        _receiving = Task.Run(ReceiveAsync);
        await SendAsync("Page.enable", null);
        await SendAsync("Network.enable", null);
    }

    private async Task<JsonElement> SendAsync(string method, JsonObject? parameters)
    {
        int id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            _pending[id] = reply;
        }
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (!_stop.IsCancellationRequested)
        {
            var result = await _socket.ReceiveAsync(buffer, _stop.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }
            using var json = JsonDocument.Parse(message.ToArray());
            message.SetLength(0);
            Dispatch(json.RootElement);
        }
    }

    private void Dispatch(JsonElement root)
    {
        if (root.TryGetProperty("id", out var id))
        {
            TaskCompletionSource<JsonElement>? reply;
            lock (_pending)
            {
                _pending.Remove(id.GetInt32(), out reply);
            }
            if (root.TryGetProperty("error", out var error))
            {
                reply?.TrySetException(new InvalidOperationException($"DevTools: {error}"));
            }
            else
            {
                reply?.TrySetResult(root.GetProperty("result").Clone());
            }
            return;
        }
        switch (root.GetProperty("method").GetString())
        {
            case "Page.loadEventFired":
                _loaded.TrySetResult();
                break;
            case "Network.requestWillBeSent":
                lock (_requests)
                {
                    _requests.Add(root.GetProperty("params").GetProperty("request").GetProperty("url").GetString()!);
                }
                break;
        }
    }
}
