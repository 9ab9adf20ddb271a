using System.Diagnostics;

namespace Nvo3.Mutation;

/// <summary>
/// Runs a test project's built executable (xunit.v3 test projects are programs) from a private
/// copy of its output folder, in which the mutated assembly replaces the original. The working
/// tree and its bin folders are never written, so editing and building go on beside a run.
/// </summary>
internal sealed class TestSuiteRunner
{
    private readonly TestSuite _suite;
    private readonly string _folder;

    public TestSuiteRunner(string repository, TestSuite suite, string scratch)
    {
        _suite = suite;
        string built = Path.Combine(repository, Path.GetDirectoryName(suite.Project)!, "bin", "Release", "net10.0");
        if (!File.Exists(Path.Combine(built, suite.AssemblyName + ".dll")))
        {
            throw new InvalidOperationException($"{suite.Project} is not built in Release; run: dotnet build {suite.Project} -c Release");
        }
        _folder = Path.Combine(scratch, "tests", suite.AssemblyName);
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
        CopyFolder(built, _folder);
    }

    public string Name => _suite.AssemblyName;

    /// <summary>Puts <paramref name="image"/> in place of <paramref name="assemblyName"/>.dll; null puts the original back.</summary>
    public void Install(string assemblyName, byte[]? image, byte[] original) =>
        File.WriteAllBytes(Path.Combine(_folder, assemblyName + ".dll"), image ?? original);

    public byte[] Read(string assemblyName) => File.ReadAllBytes(Path.Combine(_folder, assemblyName + ".dll"));

    /// <summary>Runs the filtered tests, stopping at the first failure; the exit code (null past <paramref name="timeout"/>) and the tail of the output.</summary>
    public async Task<(int? ExitCode, string Output, TimeSpan Elapsed)> RunAsync(TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { Path.Combine(_folder, _suite.AssemblyName + ".dll") }.Concat(_suite.Filter).Concat(["-stopOnFail", "-noColor", "-noLogo"]))
        {
            start.ArgumentList.Add(a);
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (null, Tail(await stdout + await stderr), watch.Elapsed);
        }
        return (process.ExitCode, Tail(await stdout + await stderr), watch.Elapsed);
    }

    private static string Tail(string output)
    {
        // The first failing test's name is what a reader of the report wants.
        var lines = output.Split('\n');
        var failed = lines.FirstOrDefault(l => l.Contains("[FAIL]", StringComparison.Ordinal));
        return (failed ?? string.Join(" | ", lines.Where(l => l.Length > 0).TakeLast(3))).Trim();
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
