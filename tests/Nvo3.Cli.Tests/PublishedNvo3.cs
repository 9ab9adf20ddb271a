using System.Diagnostics;
using System.Reflection;

namespace Nvo3.Cli.Tests;

/// <summary>
/// nvo3 published once per test run as a self-contained single-file executable for linux-x64
/// (<c>dotnet publish -r linux-x64 --self-contained -p:PublishSingleFile=true</c>) into a temporary
/// folder, deleted at the end.
/// </summary>
public sealed class PublishedNvo3 : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "nvo3-publish-" + Guid.NewGuid().ToString("N"));

    /// <summary>The executable.</summary>
    public string Executable => Path.Combine(_folder, "nvo3");

    /// <summary>How long the publish took.</summary>
    public TimeSpan PublishTime { get; private set; }

    /// <summary>The repository the tests were built from.</summary>
    public static string Repository => Metadata("repository");

    /// <summary>The build configuration of the tests (and of the CLI they run).</summary>
    public static string Configuration => Metadata("configuration");

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        // A self-contained publish compiles the CLI again for linux-x64: about a minute on a quiet
        // machine, over eight under a full test run beside three builds (measured), so the bound
        // only catches a publish that hangs.
        await DotnetAsync(TimeSpan.FromMinutes(25), "publish", Path.Combine(Repository, "src", "Nvo3.Cli"), "-c", Configuration, "-r", "linux-x64", "--self-contained",
            "-p:PublishSingleFile=true", "-o", _folder, "-nologo", "-v", "quiet");
        PublishTime = stopwatch.Elapsed;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs <c>dotnet ARGS</c> and throws with its output when it fails.</summary>
    public static async Task DotnetAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in {timeout.TotalMinutes:0} min.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} exited {process.ExitCode}:\n{await output}\n{await errors}");
        }
    }

    private static string Metadata(string key) =>
        typeof(PublishedNvo3).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
