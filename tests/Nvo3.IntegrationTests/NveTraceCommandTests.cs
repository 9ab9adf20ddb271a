using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;
using Nvo3.Testing;
using static Nvo3.IntegrationTests.InspectCommands;

namespace Nvo3.IntegrationTests;

/// <summary>
/// <c>nvo3 nve trace</c> against a real <c>nvo3 nve run</c>: a VXLAN datagram for a network nobody
/// created, from a registered NVE's address, is dropped, and the trace shows why with its headers.
/// </summary>
public sealed class NveTraceCommandTests
{
    [Fact]
    public async Task NveTrace_FrameForAnUnknownVni_ShowsTheReasonAndHeaders()
    {
        var (nva, address) = await Nvo3Process.StartNvaAsync("memory", Patience);
        using (nva)
        {
            string nvaArg = $"{address.Host}:{address.Port}";
            using var client = new NvaClient(address);
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(30)));
            byte net = (byte)Random.Shared.Next(10, 250);
            using var a = Nvo3Process.Start("nve", "run", "--name", "a", "--underlay", $"127.0.{net}.1", "--agent-listen", $"127.0.{net}.1:0", "--nva", nvaArg);
            await AgentOfAsync(a);
            // The sender is a registered NVE (else the drop is unknownSender), added as an external one.
            using var probe = new UdpClient(new IPEndPoint(IPAddress.Parse($"127.0.{net}.9"), 0));
            int probePort = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
            await client.AddNveAsync("probe", [new UnderlayEndpoint(IpAddr.Parse($"127.0.{net}.9"), (ushort)probePort)]);
            await UntilAsync(async () =>
            {
                var peers = await JsonAsync("nve", "show", "a", "peers", "--nva", nvaArg);
                return peers.GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("name").GetString() == "probe") ? peers.ToString() : null;
            }, "a to know the probe NVE");

            using var trace = Nvo3Process.Start("nve", "trace", "a", "--count", "1", "--json", "--nva", nvaArg);
            await WaitForStderrAsync(trace, "tracing the next 1 drop(s)");
            byte[] datagram = UnknownVniDatagram.Build(vni: 999);
            // One datagram suffices once the trace is attached; send until it ends, in case UDP lost one.
            await UntilAsync(async () =>
            {
                await probe.SendAsync(datagram, new IPEndPoint(IPAddress.Parse($"127.0.{net}.1"), 4789));
                return trace.HasExited ? trace : null;
            }, "the trace to end");
            await trace.WaitForExitAsync(Patience);

            Assert.True(trace.ExitCode == 0, trace.Describe());
            using var line = JsonDocument.Parse(Assert.Single(trace.Stdout));
            var drop = line.RootElement;
            Assert.Equal("unknownVni", drop.GetProperty("reason").GetString());
            Assert.Equal(999u, drop.GetProperty("vni").GetUInt32());
            Assert.Equal(datagram.Length, drop.GetProperty("length").GetInt32());
            Assert.Equal($"127.0.{net}.9", drop.GetProperty("sender").GetString());
            Assert.Equal("02:00:00:00:00:33", drop.GetProperty("srcMac").GetString());
            Assert.Equal("02:00:00:00:00:22", drop.GetProperty("dstMac").GetString());
            Assert.Equal("ipv4", drop.GetProperty("etherType").GetString());
            Assert.Equal("10.9.9.1", drop.GetProperty("srcIp").GetString());
            Assert.Equal("10.9.9.2", drop.GetProperty("dstIp").GetString());
            Assert.Equal("udp", drop.GetProperty("protocol").GetString());
            var counters = await JsonAsync("nve", "show", "a", "counters", "--nva", nvaArg);
            Assert.True(counters.GetProperty("counters").GetProperty("drop.unknownVni").GetInt64() >= 1);

            using var tooMany = await Nvo3Process.RunAsync(Patience, "nve", "trace", "a", "--count", "0", "--nva", nvaArg);
            AssertOneLineError(tooMany, 2, "nvo3 nve trace");
        }
    }
}
