using Nvo3.IntegrationTests;

namespace Nvo3.Cli.Tests;

/// <summary>
/// The CLI's promises, on the real command for every command of its tree: bad input exits 2 with
/// one line on stderr and no help dump; a refusal or failure exits 1 with one line; never a stack trace.
/// </summary>
public sealed class CliContractTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Commands() => CommandTree.Paths();

    public static TheoryData<string> CommandsWithRequiredInput() =>
        [.. CommandTree.All()
            .Where(c => c.Command.Options.Any(o => o.Required) || c.Command.Arguments.Any(a => a.Arity.MinimumNumberOfValues > 0))
            .Select(c => string.Join(' ', c.Path))];

    public static TheoryData<string> CommandsThatTalkToTheNva() =>
        [.. CommandTree.All()
            .Where(c => c.Command.Action is not null && c.Command.Options.Any(o => o.Name == "--nva"))
            .Select(c => string.Join(' ', c.Path))];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_UnknownOption_ExitsTwoWithOneLine(string path)
    {
        using var run = await Nvo3Process.RunAsync(Timeout, [.. CommandTree.Words(path), "--no-such-option"]);

        AssertOneLineError(run, 2, path.Length == 0 ? "nvo3" : "nvo3 " + path);
        Assert.Contains("--no-such-option", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Theory]
    [MemberData(nameof(CommandsWithRequiredInput))]
    public async Task Command_MissingRequiredInput_ExitsTwoWithOneLine(string path)
    {
        using var run = await Nvo3Process.RunAsync(Timeout, CommandTree.Words(path));

        AssertOneLineError(run, 2, "nvo3 " + path);
        Assert.Matches("is required|missing", run.Stderr);
    }

    [Theory]
    [MemberData(nameof(CommandsThatTalkToTheNva))]
    public async Task Command_UnreachableNva_ExitsOneWithOneLine(string path)
    {
        var command = CommandTree.Find(path);
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        using var run = await Nvo3Process.RunAsync(Timeout, [.. CommandTree.Words(path), .. CommandTree.RequiredArguments(command), "--nva", "127.0.0.1:1"]);

        AssertOneLineError(run, 1, "nvo3 " + path);
        Assert.Contains("Cannot reach the NVA at http://127.0.0.1:1/", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_UnknownScenario_ExitsTwoNamingTheKnownOnes()
    {
        using var run = await Nvo3Process.RunAsync(Timeout, "demo", "--scenario", "nope");

        AssertOneLineError(run, 2, "nvo3 demo");
        Assert.Contains("'nope'", run.Stderr, StringComparison.Ordinal);
        foreach (var spec in Nvo3.Lab.ScenarioSpec.All)
        {
            Assert.Contains(spec.Name, run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Demo_ScenarioThatLosesProbes_ExitsOne()
    {
        // Without the redirect, the packets in flight during a hot move are lost, so it cannot pass.
        using var run = await Nvo3Process.RunAsync(TimeSpan.FromMinutes(3), "demo", "--scenario", "l2-ipv4-hot", "--no-inflight-forwarding");

        Assert.True(run.ExitCode == 1, run.Describe());
        Assert.Contains(run.Stdout, l => l.StartsWith("l2-ipv4-hot ", StringComparison.Ordinal) && l.Contains("lossy (redirect off)", StringComparison.Ordinal));
        string last = run.Stderr.TrimEnd().Split('\n')[^1];
        Assert.Equal("nvo3 demo: 1 of 1 scenario(s) did not pass: l2-ipv4-hot.", last);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NveRun_OldModeSpelling_WarnsAndStillWorks()
    {
        using var run = await Nvo3Process.RunAsync(Timeout, "nve", "run", "--name", "x", "--underlay", "127.0.0.1:4999", "--mode", "push", "--nva", "127.0.0.1:1");

        Assert.True(run.ExitCode == 1, run.Describe()); // parsed, then the NVA is not there
        var lines = run.Stderr.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal("nvo3 nve run: warning: --mode is deprecated here; write --update push.", lines[0]);
        Assert.StartsWith("nvo3 nve run: Cannot reach the NVA", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task NveRun_OldAndNewSpellingDisagree_ExitsTwo()
    {
        using var run = await Nvo3Process.RunAsync(Timeout, "nve", "run", "--name", "x", "--underlay", "127.0.0.1:4999", "--mode", "push", "--update", "pull", "--nva", "127.0.0.1:1");

        AssertOneLineError(run, 2, "nvo3 nve run");
        Assert.Contains("--mode push contradicts --update pull", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nve", "remove")]
    [InlineData("vm", "detach")]
    public async Task RemovalVerb_OldName_IsAnAliasOfDelete(string noun, string verb)
    {
        using var run = await Nvo3Process.RunAsync(Timeout, noun, verb, "--name", "x1", "--nva", "127.0.0.1:1");

        AssertOneLineError(run, 1, $"nvo3 {noun} delete");
    }

    // Exit code, exactly one line on stderr that starts with the command, no usage text, no stack trace.
    internal static void AssertOneLineError(Nvo3Process run, int exitCode, string command)
    {
        Assert.True(run.ExitCode == exitCode, run.Describe());
        string stderr = run.Stderr.TrimEnd('\n');
        Assert.True(!stderr.Contains('\n', StringComparison.Ordinal), $"more than one line on stderr: {run.Describe()}");
        Assert.StartsWith(command + ": ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Description:", string.Join('\n', run.Stdout), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
