using System.Text.Json;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;
using static Nvo3.IntegrationTests.InspectCommands;

namespace Nvo3.IntegrationTests;

/// <summary><c>nvo3 lookup</c> and <c>nvo3 watch</c> against a real <c>nvo3 nva serve</c>.</summary>
public sealed class LookupWatchCommandTests
{
    [Fact]
    public async Task Lookup_FoundByIpAndMac_NotFoundExitsOne_BothOrNeitherExitsTwo()
    {
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Patience);
        using (nva)
        {
            string nvaArg = $"{address.Host}:{address.Port}";
            using var client = new NvaClient(address);
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(30)));
            await client.AddNveAsync("h1", [UnderlayEndpoint.Parse("192.0.2.1")]);
            await client.AttachAsync(new AttachRequest(100, MacAddress.Parse("02:00:00:00:00:05"), [IpAddr.Parse("10.0.0.5")], "h1", "vm5"));

            var byIp = await JsonAsync("lookup", "--vni", "100", "--ip", "10.0.0.5", "--nva", nvaArg);
            Assert.Equal("02:00:00:00:00:05", byIp.GetProperty("binding").GetProperty("mac").GetString());
            Assert.Equal("h1", byIp.GetProperty("host").GetProperty("name").GetString());
            Assert.Equal("192.0.2.1", byIp.GetProperty("host").GetProperty("underlay")[0].GetString());
            Assert.True(byIp.GetProperty("lifetimeMs").GetInt64() > 0);

            using var byMac = await Nvo3Process.RunAsync(Patience, "lookup", "--vni", "100", "--mac", "02:00:00:00:00:05", "--nva", nvaArg);
            Assert.True(byMac.ExitCode == 0, byMac.Describe());
            Assert.Contains(byMac.Stdout, l => l.Contains("vm5", StringComparison.Ordinal) && l.Contains("10.0.0.5", StringComparison.Ordinal) && l.Contains("h1", StringComparison.Ordinal));

            using var missing = await Nvo3Process.RunAsync(Patience, "lookup", "--vni", "100", "--ip", "10.0.0.99", "--nva", nvaArg);
            AssertOneLineError(missing, 1, "nvo3 lookup");
            Assert.Contains("No binding for 10.0.0.99", missing.Stderr, StringComparison.Ordinal);
            Assert.Empty(missing.Stdout);

            using var both = await Nvo3Process.RunAsync(Patience, "lookup", "--vni", "100", "--ip", "10.0.0.5", "--mac", "02:00:00:00:00:05", "--nva", nvaArg);
            AssertOneLineError(both, 2, "nvo3 lookup");
            using var neither = await Nvo3Process.RunAsync(Patience, "lookup", "--vni", "100", "--nva", nvaArg);
            AssertOneLineError(neither, 2, "nvo3 lookup");
            using var badIp = await Nvo3Process.RunAsync(Patience, "lookup", "--vni", "100", "--ip", "10.0.0", "--nva", nvaArg);
            AssertOneLineError(badIp, 2, "nvo3 lookup");
        }
    }

    [Fact]
    public async Task Watch_Count_PrintsTheChangesOfItsNetworkAsTheyHappenThenEnds()
    {
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Patience);
        using (nva)
        {
            string nvaArg = $"{address.Host}:{address.Port}";
            using var client = new NvaClient(address);
            using var watch = Nvo3Process.Start("watch", "--vni", "100", "--count", "3", "--json", "--nva", nvaArg);
            await WaitForStderrAsync(watch, "watching the NVA");

            // Network 200 is not watched; the NVE is (every NVE is), then network 100 and its binding.
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(200, "", NetworkMode.L2, [IpPrefix.Parse("10.2.0.0/24")], [], TimeSpan.FromSeconds(30)));
            await client.AddNveAsync("h1", [UnderlayEndpoint.Parse("192.0.2.1")]);
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(30)));
            await client.AttachAsync(new AttachRequest(100, MacAddress.Parse("02:00:00:00:00:05"), [IpAddr.Parse("10.0.0.5")], "h1", "vm5"));
            await watch.WaitForExitAsync(Patience);

            Assert.True(watch.ExitCode == 0, watch.Describe());
            var lines = watch.Stdout.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            Assert.Equal(["nvePut", "networkPut", "bindingPut"], lines.Select(l => l.GetProperty("kind").GetString()));
            Assert.Equal("h1", lines[0].GetProperty("nve").GetProperty("name").GetString());
            Assert.Equal(100u, lines[1].GetProperty("network").GetProperty("vni").GetUInt32());
            Assert.Equal("h1", lines[2].GetProperty("binding").GetProperty("nve").GetString());
            Assert.True(lines[0].GetProperty("revision").GetInt64() < lines[2].GetProperty("revision").GetInt64());

            // The same history again, as text, from the first revision.
            using var replay = await Nvo3Process.RunAsync(Patience, "watch", "--from-revision", "1", "--count", "4", "--nva", nvaArg);
            Assert.True(replay.ExitCode == 0, replay.Describe());
            Assert.Equal(4, replay.Stdout.Count);
            Assert.Contains("network put 200", replay.Stdout[0], StringComparison.Ordinal);
            Assert.Contains("binding put 'vm5'", replay.Stdout[3], StringComparison.Ordinal);

            using var bad = await Nvo3Process.RunAsync(Patience, "watch", "--count", "-1", "--nva", nvaArg);
            AssertOneLineError(bad, 2, "nvo3 watch");
        }
    }
}
