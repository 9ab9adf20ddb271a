using System.Diagnostics;
using System.IO.Compression;
using Nvo3.IntegrationTests;

namespace Nvo3.Cli.Tests;

/// <summary>
/// nvo3 as it is installed: the self-contained single file runs the demo on a machine path with no
/// dotnet on it, and <c>dotnet pack</c> makes a .NET tool package whose command is nvo3.
/// </summary>
public sealed class PackagingTests(PublishedNvo3 published) : IClassFixture<PublishedNvo3>
{
    [Fact]
    public async Task SingleFile_WithoutDotnetOnPath_RunsTheDemo()
    {
        // PATH without any folder that holds dotnet (here /usr/bin and /bin do), and no DOTNET_ROOT: only the file itself.
        using var empty = new TempFolder();
        string path = string.Join(':', (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(d => !File.Exists(Path.Combine(d, "dotnet"))).Append(empty.Path));
        var start = new ProcessStartInfo(published.Executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (string arg in (string[])["demo", "--scenario", "l2-ipv4-hot"])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["PATH"] = path;
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k == "MSBuildSDKsPath").ToList())
        {
            start.Environment.Remove(name);
        }
        using var demo = Process.Start(start)!;
        var output = demo.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = demo.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await demo.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);

        string stdout = await output;
        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}\n{stdout}\n{await errors}");
        var lines = stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("SCENARIO ", StringComparison.Ordinal) && l.EndsWith("RESULT", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("l2-ipv4-hot ", StringComparison.Ordinal) && l.EndsWith("passed", StringComparison.Ordinal));
        Assert.DoesNotContain(path.Split(':'), d => File.Exists(Path.Combine(d, "dotnet")));
        TestContext.Current.SendDiagnosticMessage($"single file: {new FileInfo(published.Executable).Length / 1048576.0:0.0} MiB, published in {published.PublishTime.TotalSeconds:0} s");
    }

    [Fact]
    public async Task Pack_MakesADotnetToolNamedNvo3()
    {
        using var folder = new TempFolder();

        await PublishedNvo3.DotnetAsync(TimeSpan.FromMinutes(5), "pack", Path.Combine(PublishedNvo3.Repository, "src", "Nvo3.Cli"), "-c", PublishedNvo3.Configuration,
            "--no-build", "-o", folder.Path, "-nologo", "-v", "quiet");

        string package = Assert.Single(Directory.GetFiles(folder.Path, "*.nupkg"));
        using var zip = ZipFile.OpenRead(package);
        var settings = zip.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        using var reader = new StreamReader(settings.Open());
        string xml = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("Name=\"nvo3\"", xml, StringComparison.Ordinal);
        Assert.Contains("EntryPoint=\"nvo3.dll\"", xml, StringComparison.Ordinal);
        Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/any/nvo3.dll");
    }
}
