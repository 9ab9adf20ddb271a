using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.IntegrationTests;

/// <summary>
/// A process that dies mid-migration, killed with SIGKILL (not stopped): the source's or the
/// destination's <c>nvo3 nve run</c>, with its agent, while <c>nvo3 migrate</c> is copying its VM's
/// memory. The promise of docs/nva.md ("Migrations that always settle"): the command ends, the
/// migration ends (settled by the NVA's leader by its deadline when the coordinator died), and
/// the workload is in exactly one place, the one whose NVE activated it last.
/// </summary>
public sealed class MigrationCrashTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    // Long enough that the leader cannot settle the move before the test has seen it in pre-copy
    // on a loaded machine (the test checks it is still Prepared when it kills the source).
    private const int PreparedTimeoutSeconds = 8;

    [Fact]
    public async Task SourceNveKilledDuringPreCopy_TheMigrationIsAbortedByTheLeaderAndTheVmIsInOnePlace()
    {
        using var folder = new TempFolder();
        var (nva, address) = await Nvo3Process.StartNvaAsync("sqlite:" + folder.File("nva.db"), Timeout,
            "--migration-prepared-timeout-seconds", PreparedTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (nva)
        {
            string nvaArg = $"{address.Host}:{address.Port}";
            using var client = new NvaClient(address);
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromMilliseconds(500)));
            byte net = (byte)Random.Shared.Next(10, 250);
            using var a = Nvo3Process.Start("nve", "run", "--nva", nvaArg, "--name", "a", "--underlay", $"127.0.{net}.1", "--agent-listen", $"127.0.{net}.1:0",
                "--vm", "vm1=100/02:00:00:00:00:11/10.0.0.11", "--vm-memory-mib", "64", "--vm-disk-mib", "4");
            using var b = Nvo3Process.Start("nve", "run", "--nva", nvaArg, "--name", "b", "--underlay", $"127.0.{net}.2", "--agent-listen", $"127.0.{net}.2:0");
            await a.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Timeout, "a to run");
            await b.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Timeout, "b to run");

            // 64 MiB at 40 Mbit/s: the first pre-copy round alone takes about 13 s, so the kill
            // lands in it, long before the pause.
            using var move = Nvo3Process.Start("migrate", "vm1", "--to", "b", "--mode", "hot", "--nva", nvaArg, "--bandwidth-mbit", "40", "--json");
            await WaitForAsync(() => move.Stderr.Contains(" round ", StringComparison.Ordinal) || move.HasExited, "the first progress line");
            Assert.False(move.HasExited, $"the move ended before the kill: {move.Describe()}");
            var open = Assert.Single(await client.ListMigrationsAsync(), m => m.Name == "vm1");
            Assert.Equal(MigrationPhase.Prepared, open.Phase);

            await a.KillAsync(); // SIGKILL to the source NVE and its agent, mid-round

            await move.WaitForExitAsync(Timeout);
            Assert.True(move.ExitCode != 0, $"migrate reported success after its source died: {move.Describe()}");
            Assert.DoesNotContain("\"completed\"", string.Join('\n', move.Stdout), StringComparison.Ordinal);

            // Nobody is left to commit or abort it: the leader settles it once the prepared phase is past its deadline.
            Migration? settled = null;
            await WaitForAsync(async () => !(settled = await client.GetMigrationAsync(open.Id)).IsOpen, "the leader to settle the migration");
            Assert.Equal(MigrationPhase.Aborted, settled!.Phase);
            Assert.Equal("leader", settled.SettledBy);

            // One place: still Activated at the source (no NVE claimed it at b), nothing left at b.
            var binding = Assert.Single(await client.ListBindingsAsync(100), x => x.Name == "vm1");
            var placement = Assert.Single(binding.Placements);
            Assert.Equal(("a", PlacementState.Activated), (placement.Nve, placement.State));
            Assert.Null(binding.MigrationId);
            Assert.DoesNotContain(await client.ListMigrationsAsync(), m => m.IsOpen);
            Assert.False(b.HasExited, $"the destination died with its source: {b.Describe()}");
        }
    }

    [Fact]
    public async Task DestinationNveKilledDuringPreCopy_TheSourceAbortsAndTheDirectoryIsUnchanged()
    {
        using var folder = new TempFolder();
        var (nva, address) = await Nvo3Process.StartNvaAsync("sqlite:" + folder.File("nva.db"), Timeout);
        using (nva)
        {
            string nvaArg = $"{address.Host}:{address.Port}";
            using var client = new NvaClient(address);
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromMilliseconds(500)));
            byte net = (byte)Random.Shared.Next(10, 250);
            using var a = Nvo3Process.Start("nve", "run", "--nva", nvaArg, "--name", "a", "--underlay", $"127.0.{net}.1", "--agent-listen", $"127.0.{net}.1:0",
                "--vm", "vm1=100/02:00:00:00:00:11/10.0.0.11", "--vm-memory-mib", "64", "--vm-disk-mib", "4");
            using var b = Nvo3Process.Start("nve", "run", "--nva", nvaArg, "--name", "b", "--underlay", $"127.0.{net}.2", "--agent-listen", $"127.0.{net}.2:0");
            await a.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Timeout, "a to run");
            await b.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Timeout, "b to run");
            var before = Assert.Single(await client.ListBindingsAsync(100), x => x.Name == "vm1");

            using var move = Nvo3Process.Start("migrate", "vm1", "--to", "b", "--mode", "hot", "--nva", nvaArg, "--bandwidth-mbit", "40", "--json");
            await WaitForAsync(() => move.Stderr.Contains(" round ", StringComparison.Ordinal) || move.HasExited, "the first progress line");
            Assert.False(move.HasExited, $"the move ended before the kill: {move.Describe()}");

            await b.KillAsync(); // SIGKILL to the destination NVE and its agent, mid-round

            // The source's agent, still alive, ends the move itself and says so.
            await move.WaitForExitAsync(Timeout);
            Assert.True(move.ExitCode != 0, $"migrate reported success after its destination died: {move.Describe()}");
            using (var summary = System.Text.Json.JsonDocument.Parse(string.Join('\n', move.Stdout)))
            {
                Assert.Equal("aborted", summary.RootElement.GetProperty("outcome").GetString());
            }
            var migration = Assert.Single(await client.ListMigrationsAsync(), m => m.Name == "vm1");
            Assert.Equal(MigrationPhase.Aborted, migration.Phase);
            Assert.Null(migration.SettledBy); // ended by its coordinator, not by the leader's timeout

            // The directory is as it was: Activated at the source only, its sequence unchanged, and the source still runs.
            var after = Assert.Single(await client.ListBindingsAsync(100), x => x.Name == "vm1");
            var placement = Assert.Single(after.Placements);
            Assert.Equal(("a", PlacementState.Activated), (placement.Nve, placement.State));
            Assert.Equal(before.Sequence, after.Sequence);
            Assert.Null(after.MigrationId);
            Assert.False(a.HasExited, $"the source died with its destination: {a.Describe()}");
        }
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var waiting = Stopwatch.StartNew(); // patience only: no verdict depends on how long it took
        while (!await condition())
        {
            Assert.True(waiting.Elapsed < Timeout, $"timed out waiting for {what}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
