using Nvo3.Migration;
using Nvo3.Mobility.Agent;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Lab.Tests;

/// <summary>What the agent tells <c>nvo3 migrate</c> about a move that failed after its commit point.</summary>
public sealed class MigrateSummaryTests
{
    [Fact]
    public void Summarize_LateFailures_Carried()
    {
        var report = new MoveReport
        {
            Request = new MoveRequest("vm1", 100, MacAddress.Parse("02:00:00:00:02:01"), [IpAddr.Parse("10.0.0.21")], MigrationMode.Hot),
            Kind = "emulated",
            Outcome = MigrationOutcome.Completed,
            MigrationId = "m-1",
            From = "a",
            To = "b",
            LateFailures = ["the activation: the NVA is unreachable", "the commit: the NVA is unreachable"],
        };

        var summary = MigrationsService.Summarize(report);

        Assert.Equal("completed", summary.Outcome);
        Assert.Equal(report.LateFailures, summary.LateFailures);
    }
}
