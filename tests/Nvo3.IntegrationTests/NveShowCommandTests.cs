using System.Text.Json;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;
using static Nvo3.IntegrationTests.InspectCommands;

namespace Nvo3.IntegrationTests;

/// <summary>
/// <c>nvo3 nve show</c> across processes: an NVA, three <c>nvo3 nve run</c> with their agents, a
/// VM moved by <c>nvo3 migrate</c>; each NVE's tables, read through its agent, show the move.
/// </summary>
public sealed class NveShowCommandTests
{
    private const string Mac = "02:00:00:00:00:21";

    [Fact]
    public async Task NveShow_AfterAMove_ShowsTheVmAtItsNewNve()
    {
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Patience);
        using (nva)
        {
            string nvaArg = $"{address.Host}:{address.Port}";
            using var client = new NvaClient(address);
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(30)));
            byte net = (byte)Random.Shared.Next(10, 250);
            string[] common = ["--nva", nvaArg, "--update", "push"];
            using var a = Nvo3Process.Start(["nve", "run", "--name", "a", "--underlay", $"127.0.{net}.1", "--agent-listen", $"127.0.{net}.1:0",
                "--vm", $"vm1=100/{Mac}/10.0.0.21", "--vm-memory-mib", "8", "--vm-disk-mib", "2", .. common]);
            using var b = Nvo3Process.Start(["nve", "run", "--name", "b", "--underlay", $"127.0.{net}.2", "--agent-listen", $"127.0.{net}.2:0", .. common]);
            using var c = Nvo3Process.Start(["nve", "run", "--name", "c", "--underlay", $"127.0.{net}.3", "--agent-listen", $"127.0.{net}.3:0", .. common]);
            await AgentOfAsync(a);
            string agentB = await AgentOfAsync(b);
            await AgentOfAsync(c);

            using var move = await Nvo3Process.RunAsync(Patience, "migrate", "vm1", "--to", "b", "--mode", "hot", "--nva", nvaArg);
            Assert.True(move.ExitCode == 0, move.Describe());

            // The correspondent follows the push: its remote cache sends vm1 to b.
            var entry = await UntilAsync(async () =>
            {
                var remote = await JsonAsync("nve", "show", "c", "remote", "--nva", nvaArg);
                return remote.GetProperty("remote").EnumerateArray().Where(e => e.GetProperty("mac").GetString() == Mac && e.GetProperty("nve").GetString() == "b")
                    .Select(e => (JsonElement?)e).FirstOrDefault() is { } found ? new Box(found) : null;
            }, "c to send vm1 to b");
            Assert.Equal("push", entry.Value.GetProperty("source").GetString());
            Assert.Equal($"127.0.{net}.2", entry.Value.GetProperty("underlay").GetString());
            Assert.Contains("10.0.0.21", entry.Value.GetProperty("ips").EnumerateArray().Select(i => i.GetString()));
            Assert.Equal(JsonValueKind.Null, entry.Value.GetProperty("expiresInMs").ValueKind); // push: never expires

            using var text = await Nvo3Process.RunAsync(Patience, "nve", "show", "c", "remote", "--nva", nvaArg);
            Assert.True(text.ExitCode == 0, text.Describe());
            Assert.Contains(text.Stdout, l => l.Contains(Mac, StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("b"));

            // The destination has the port, active; reached here by --agent rather than the directory.
            var ports = await JsonAsync("nve", "show", "b", "ports", "--agent", agentB);
            var port = Assert.Single(ports.GetProperty("ports").EnumerateArray(), p => p.GetProperty("mac").GetString() == Mac);
            Assert.Equal("active", port.GetProperty("state").GetString());
            Assert.Equal("b", ports.GetProperty("nve").GetString());
            var counters = await JsonAsync("nve", "show", "b", "counters", "--nva", nvaArg);
            Assert.True(counters.GetProperty("counters").GetProperty("activations").GetInt64() >= 1, counters.ToString());

            // The source knows both others, and where its remote entries and redirect lead.
            var peers = await JsonAsync("nve", "show", "a", "peers", "--nva", nvaArg);
            var names = peers.GetProperty("peers").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
            Assert.Equal(["b", "c"], names);
            var toB = peers.GetProperty("peers")[0];
            Assert.Contains(100u, toB.GetProperty("vnis").EnumerateArray().Select(v => v.GetUInt32()));
            var redirects = await JsonAsync("nve", "show", "a", "redirects", "--nva", nvaArg);
            Assert.True(redirects.GetProperty("total").GetUInt32() <= 1, redirects.ToString());
            Assert.All(redirects.GetProperty("redirects").EnumerateArray(), r => Assert.Equal("b", r.GetProperty("to").GetString()));
        }
    }

    [Fact]
    public async Task NveShow_BadInput_ExitsTwoOrOneWithOneLine()
    {
        using var bogus = await Nvo3Process.RunAsync(Patience, "nve", "show", "x", "bogus");
        AssertOneLineError(bogus, 2, "nvo3 nve show");
        Assert.Contains("'bogus'", bogus.Stderr, StringComparison.Ordinal);

        using var agent = await Nvo3Process.RunAsync(Patience, "nve", "show", "x", "ports", "--agent", "not-an-address");
        AssertOneLineError(agent, 2, "nvo3 nve show");

        using var vni = await Nvo3Process.RunAsync(Patience, "nve", "show", "x", "ports", "--agent", "127.0.0.1:1", "--vni", "16777216");
        AssertOneLineError(vni, 2, "nvo3 nve show");

        using var silent = await Nvo3Process.RunAsync(Patience, "nve", "show", "x", "ports", "--agent", "127.0.0.1:1");
        AssertOneLineError(silent, 1, "nvo3 nve show");
        Assert.Contains("Cannot reach the agent", silent.Stderr, StringComparison.Ordinal);

        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Patience);
        using (nva)
        {
            using var unknown = await Nvo3Process.RunAsync(Patience, "nve", "show", "nowhere", "ports", "--nva", $"{address.Host}:{address.Port}");
            AssertOneLineError(unknown, 1, "nvo3 nve show");
            Assert.Contains("No NVE named 'nowhere'", unknown.Stderr, StringComparison.Ordinal);
        }
    }

    private sealed record Box(JsonElement Value);
}
