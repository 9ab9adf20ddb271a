using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Cli.Tests;

/// <summary>
/// How <c>nvo3 migrate</c> reports a move: a move that completed but whose activation or commit
/// failed after the switchover is not a success (exit 1) and says what failed and what to do.
/// </summary>
public sealed class MigrateOutcomeTests
{
    private static readonly P.MigrateRequest Request = new() { Workload = "vm1", Destination = "b", Mode = "hot" };

    [Fact]
    public void ExitCode_CompletedClean_Zero() =>
        Assert.Equal(Cli.Ok, MigrateCommand.ExitCode(new P.MigrateSummary { Outcome = "completed" }));

    [Theory]
    [InlineData("aborted")]
    [InlineData("in-doubt")]
    public void ExitCode_NotCompleted_One(string outcome) =>
        Assert.Equal(Cli.Failed, MigrateCommand.ExitCode(new P.MigrateSummary { Outcome = outcome }));

    [Fact]
    public void Report_CompletedWithLateFailures_ExitsOneAndNamesThem()
    {
        var summary = new P.MigrateSummary { Outcome = "completed", MigrationId = "m-7", LateFailures = { "the activation: the NVA is unreachable" } };

        string text = MigrateCommand.Describe("vm1", "a", Request, summary);
        var json = MigrateCommand.ToJson("vm1", "a", Request, summary);

        Assert.Equal(Cli.Failed, MigrateCommand.ExitCode(summary));
        Assert.Contains("vm1: completed, but 1 step(s) failed after the switchover", text, StringComparison.Ordinal);
        Assert.Contains("  failed  the activation: the NVA is unreachable", text, StringComparison.Ordinal);
        Assert.Contains("nvo3 migration settle", text, StringComparison.Ordinal);
        Assert.Equal("the activation: the NVA is unreachable", (string?)json["lateFailures"]![0]);
    }

    [Fact]
    public void Report_Clean_NoFailureLines()
    {
        var summary = new P.MigrateSummary { Outcome = "completed", MigrationId = "m-8" };

        string text = MigrateCommand.Describe("vm1", "a", Request, summary);

        Assert.DoesNotContain("failed", text, StringComparison.Ordinal);
        Assert.Empty(MigrateCommand.ToJson("vm1", "a", Request, summary)["lateFailures"]!.AsArray());
    }
}
