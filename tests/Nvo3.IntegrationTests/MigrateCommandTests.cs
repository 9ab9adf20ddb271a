using System.Text.Json;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.IntegrationTests;

/// <summary>
/// <c>nvo3 migrate</c> across processes: an NVA and two <c>nvo3 nve run</c> processes with their
/// agents; a VM hosted by one moves to the other hot, cold and warm, its state verified, the
/// directory following it.
/// </summary>
public sealed class MigrateCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Migrate_HotColdAndWarm_MovesTheVmAndVerifiesItsState()
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
                "--vm", "vm1=100/02:00:00:00:00:11/10.0.0.11", "--vm-memory-mib", "16", "--vm-disk-mib", "4");
            using var b = Nvo3Process.Start("nve", "run", "--nva", nvaArg, "--name", "b", "--underlay", $"127.0.{net}.2", "--agent-listen", $"127.0.{net}.2:0");
            await a.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Timeout, "a to run");
            await b.WaitForLineAsync(l => l.Contains("running on", StringComparison.Ordinal), Timeout, "b to run");

            string at = "a";
            foreach (var (mode, to) in new[] { ("hot", "b"), ("cold", "a"), ("warm", "b") })
            {
                using var move = await Nvo3Process.RunAsync(Timeout, "migrate", "vm1", "--to", to, "--mode", mode, "--nva", nvaArg, "--json");

                Assert.True(move.ExitCode == 0, $"{mode} to {to}: {move.Describe()}");
                using var summary = JsonDocument.Parse(string.Join('\n', move.Stdout));
                var root = summary.RootElement;
                Assert.Equal("completed", root.GetProperty("outcome").GetString());
                Assert.True(root.GetProperty("stateVerified").GetBoolean(), $"{mode}: state not verified");
                Assert.Equal(at, root.GetProperty("source").GetString());
                Assert.True(root.GetProperty("bytesSent").GetInt64() >= 16L << 20);
                Assert.Contains("round", move.Stderr, StringComparison.Ordinal); // progress was shown
                var binding = (await client.ListBindingsAsync(100)).Single(x => x.Name == "vm1");
                Assert.True(binding.ActiveNve == to, $"{mode} to {to}: the directory says {binding.ActiveNve} (sequence {binding.Sequence}, last trigger {binding.LastTrigger})\n"
                    + $"migrate: {move.Describe()}\na: {a.Describe()}\nb: {b.Describe()}");
                at = to;
            }

            using var refused = await Nvo3Process.RunAsync(Timeout, "migrate", "vm1", "--to", "nowhere", "--nva", nvaArg);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("Unknown NVE 'nowhere'", refused.Stderr, StringComparison.Ordinal);
            Assert.Equal("b", (await client.ListBindingsAsync(100)).Single(x => x.Name == "vm1").ActiveNve); // nothing changed
            Assert.DoesNotContain(await client.ListMigrationsAsync(), m => m.IsOpen);
        }
    }
}
