using System.Net;
using Grpc.Core;
using Nvo3.Nve;
using Nvo3.Lab;
using Nvo3.Nve.Agent;
using Nvo3.Packets;

namespace Nvo3.Lab.Tests.Edges;

/// <summary>The port agent over gRPC: it drives a running NVE's ports, and refuses with a status that says why.</summary>
public class PortAgentTests
{
    [Fact]
    public async Task PauseAndResume_AttachedPort_FollowTheEdge()
    {
        await using var lab = await LabFixture.StartAsync(nves: 2);
        await lab.VmAsync(1, lab.A);
        await using var server = await PortAgentServer.StartAsync(lab.A, new IPEndPoint(IPAddress.Loopback, 0));
        using var agent = new PortAgentClient(server.Address);
        var mac = new MacAddress(0x0200_0000_0001UL);

        var listed = await agent.ListAsync();
        Assert.Equal("a", listed.Nve);
        var port = Assert.Single(listed.Ports);
        Assert.Equal(Protocol.Agent.V1.PortState.Active, port.State);
        Assert.Contains("10.0.0.1", port.Ips);

        await agent.PauseAsync(LabFixture.Vni, mac);
        Assert.Equal(PortState.Paused, lab.A.GetPort(LabFixture.Vni, mac)!.State);
        var resumed = await agent.ResumeAsync(LabFixture.Vni, mac);
        Assert.Equal(mac.ToString(), resumed.Mac);

        await agent.DetachAsync(LabFixture.Vni, mac);
        Assert.Null(lab.A.GetPort(LabFixture.Vni, mac));
    }

    [Fact]
    public async Task Calls_UnknownPortOrBadInput_RefuseWithAStatusThatSaysWhy()
    {
        await using var lab = await LabFixture.StartAsync(nves: 1);
        await using var server = await PortAgentServer.StartAsync(lab.A, new IPEndPoint(IPAddress.Loopback, 0));
        using var agent = new PortAgentClient(server.Address);

        var missing = await Assert.ThrowsAsync<PortAgentException>(() => agent.DetachAsync(LabFixture.Vni, new MacAddress(0x0200_0000_0009UL)));
        Assert.Equal(StatusCode.NotFound, missing.Code);
        Assert.Contains("no port for 02:00:00:00:00:09", missing.Message, StringComparison.Ordinal);

        var tooLong = await Assert.ThrowsAsync<PortAgentException>(() => agent.AttachTapAsync("a-name-much-too-long", LabFixture.Vni, new MacAddress(0x0200_0000_0009UL)));
        Assert.Equal(StatusCode.InvalidArgument, tooLong.Code);

        var badVni = await Assert.ThrowsAsync<PortAgentException>(() => agent.PauseAsync(0, new MacAddress(0x0200_0000_0009UL)));
        Assert.Equal(StatusCode.InvalidArgument, badVni.Code);
    }
}
