using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nvo3.IntegrationTests;

/// <summary>What the tests of <c>nve show</c>, <c>nve trace</c>, <c>lookup</c> and <c>watch</c> share: runs, JSON, bounded polls.</summary>
internal static partial class InspectCommands
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Runs <c>nvo3 ARGS --json</c>, asserts it exited 0, and returns its JSON.</summary>
    public static async Task<JsonElement> JsonAsync(params string[] args)
    {
        using var run = await Nvo3Process.RunAsync(Patience, [.. args, "--json"]);
        Assert.True(run.ExitCode == 0, run.Describe());
        using var document = JsonDocument.Parse(string.Join('\n', run.Stdout));
        return document.RootElement.Clone();
    }

    /// <summary>Asks <paramref name="probe"/> every 100 ms until it answers non-null; fails after <see cref="Patience"/> naming <paramref name="what"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }
            Assert.True(stopwatch.Elapsed < Patience, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the process wrote <paramref name="text"/> on stderr.</summary>
    public static Task WaitForStderrAsync(Nvo3Process process, string text) =>
        UntilAsync(() => Task.FromResult(process.Stderr.Contains(text, StringComparison.Ordinal) ? process : null),
            $"'{text}' on stderr of {process.Describe()}");

    /// <summary>The agent address an <c>nve run</c> printed in its "running" line.</summary>
    public static async Task<string> AgentOfAsync(Nvo3Process nve)
    {
        string line = await nve.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Patience, "the NVE to run");
        return AgentAddress().Match(line) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no agent in '{line}'");
    }

    /// <summary>Asserts the run failed with <paramref name="exitCode"/> and exactly one line on stderr.</summary>
    public static void AssertOneLineError(Nvo3Process run, int exitCode, string prefix)
    {
        Assert.True(run.ExitCode == exitCode, run.Describe());
        string[] lines = run.Stderr.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1, run.Describe());
        Assert.StartsWith(prefix + ": ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"agent (https?://\S+?)/? ")]
    private static partial Regex AgentAddress();
}
