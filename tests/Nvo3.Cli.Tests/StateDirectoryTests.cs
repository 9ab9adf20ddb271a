using Nvo3.IntegrationTests;

namespace Nvo3.Cli.Tests;

/// <summary>The NVA's default SQLite file is in a state directory, never the working directory.</summary>
public sealed class StateDirectoryTests
{
    [Fact]
    public async Task NvaServe_UnderSystemd_DefaultsToTheStateDirectory()
    {
        using var folder = new TempFolder();
        var environment = new Dictionary<string, string> { ["STATE_DIRECTORY"] = folder.Path };

        using var help = await Nvo3Process.RunAsync(TimeSpan.FromSeconds(60), environment, "nva", "serve", "--help");

        Assert.True(help.ExitCode == 0, help.Describe());
        Assert.Contains($"sqlite:{folder.Path}/nva.db]", string.Join(' ', help.Stdout), StringComparison.Ordinal); // "[default: …]", perhaps wrapped before it
    }

    [Fact]
    public void Resolve_AsRootWithoutSystemd_IsVarLib()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess && Environment.GetEnvironmentVariable("STATE_DIRECTORY") is null, "runs as root outside a systemd unit");

        Assert.Equal("/var/lib/nvo3", StateDirectory.Resolve());
        Assert.Equal("sqlite:/var/lib/nvo3/nva.db", StateDirectory.DefaultNvaStore());
    }

    [Fact]
    public async Task NvaServe_RelativeStateDirectory_IsIgnoredNotTheWorkingDirectory()
    {
        var environment = new Dictionary<string, string> { ["STATE_DIRECTORY"] = "state" };

        using var help = await Nvo3Process.RunAsync(TimeSpan.FromSeconds(60), environment, "nva", "serve", "--help");

        Assert.True(help.ExitCode == 0, help.Describe());
        string text = string.Join(' ', help.Stdout);
        Assert.DoesNotContain("sqlite:state/", text, StringComparison.Ordinal);
        Assert.Matches(@"sqlite:/\S*nva\.db\]", text); // an absolute default
    }
}
