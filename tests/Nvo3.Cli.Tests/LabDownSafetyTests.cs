using Nvo3.IntegrationTests;

namespace Nvo3.Cli.Tests;

/// <summary>
/// <c>nvo3 lab netns</c> runs as root and deletes what it made: a mistyped <c>--state-dir</c> or a
/// <c>--prefix</c> that is a path must not remove anything that is not the lab's.
/// </summary>
public sealed class LabDownSafetyTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _scratch = Directory.CreateTempSubdirectory("nvo3-foreign-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Down_OnADirectoryWithoutLabState_RefusesAndLeavesItIntact()
    {
        string keep = Path.Combine(_scratch, "keep");
        Directory.CreateDirectory(keep);
        await File.WriteAllTextAsync(Path.Combine(keep, "f"), "mine", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_scratch, "notes.log"), "mine too", TestContext.Current.CancellationToken);

        using var run = await Nvo3Process.RunAsync(Timeout, "lab", "netns", "down", "--prefix", "zz9", "--state-dir", _scratch);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("holds no lab state file", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(keep, "f"), TestContext.Current.CancellationToken));
        Assert.True(File.Exists(Path.Combine(_scratch, "notes.log")));
    }

    [Fact]
    public async Task Down_OnALabDirectory_RemovesOnlyTheFilesTheLabWrote()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "needs root: down looks for and deletes the prefix's namespaces and links (CI runs as root).");
        await File.WriteAllTextAsync(Path.Combine(_scratch, "lab.json"), """{"prefix":"zz8","stateDirectory":"x","underlayNet":1,"updateMode":"pull"}""", TestContext.Current.CancellationToken);
        foreach (string name in (string[])["nva.db", "nva.db-wal", "nva.log", "h1.log"])
        {
            await File.WriteAllTextAsync(Path.Combine(_scratch, name), "lab", TestContext.Current.CancellationToken);
        }
        Directory.CreateDirectory(Path.Combine(_scratch, "keep"));
        await File.WriteAllTextAsync(Path.Combine(_scratch, "keep", "f"), "mine", TestContext.Current.CancellationToken);

        using var run = await Nvo3Process.RunAsync(Timeout, "lab", "netns", "down", "--prefix", "zz8", "--state-dir", _scratch, "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        using (var json = System.Text.Json.JsonDocument.Parse(string.Join('\n', run.Stdout)))
        {
            // Nothing of zz8 ran: the report says so, as three empty lists.
            Assert.All(new[] { "processes", "namespaces", "links" }, k => Assert.Equal(0, json.RootElement.GetProperty(k).GetArrayLength()));
        }
        Assert.Equal(["keep"], Directory.EnumerateFileSystemEntries(_scratch).Select(Path.GetFileName));
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(_scratch, "keep", "f"), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("down")]
    [InlineData("status")]
    [InlineData("migrate")]
    public async Task Subcommand_PrefixThatIsAPath_ExitsTwoBeforeTouchingAnything(string subcommand)
    {
        string[] extra = subcommand == "migrate" ? ["vm1", "--to", "h2"] : [];
        using var run = await Nvo3Process.RunAsync(Timeout, ["lab", "netns", subcommand, .. extra, "--prefix", "../../tmp"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Prefix '../../tmp' must be", run.Stderr, StringComparison.Ordinal);
    }
}
