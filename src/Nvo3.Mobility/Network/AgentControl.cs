using Grpc.Core;
using Nvo3.Nve;
using Nvo3.Mobility.Agent;
using Nvo3.Nve.Agent;
using Nvo3.Packets;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Mobility;

/// <summary>An NVE in another process, driven through its port agent. Does not own the client.</summary>
public sealed class AgentControl(string name, PortAgentClient agent) : INveControl
{
    /// <inheritdoc />
    public string Name => name;

    /// <inheritdoc />
    public async Task<PortState?> PortStateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken)
    {
        var status = await agent.GetAsync(vni, mac, cancellationToken).ConfigureAwait(false);
        return status.Port is { } port ? FromProto(port.State) : null;
    }

    /// <inheritdoc />
    public async Task<string?> PreparedAsync(uint vni, MacAddress mac, CancellationToken cancellationToken)
    {
        var status = await agent.GetAsync(vni, mac, cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(status.PreparedTo) ? null : status.PreparedTo;
    }

    /// <inheritdoc />
    public async Task<bool> RedirectRunsAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) =>
        !string.IsNullOrEmpty((await agent.GetAsync(vni, mac, cancellationToken).ConfigureAwait(false)).RedirectTo);

    /// <inheritdoc />
    public Task<string?> PauseAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) => agent.PauseAsync(vni, mac, cancellationToken);

    /// <inheritdoc />
    public Task SuspendAsync(uint vni, MacAddress mac, SuspendPolicy policy, CancellationToken cancellationToken) =>
        agent.SuspendAsync(vni, mac, policy, cancellationToken);

    /// <inheritdoc />
    public Task ReactivateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) => agent.ReactivateAsync(vni, mac, cancellationToken);

    /// <inheritdoc />
    public Task ResumeAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) => agent.ResumeAsync(vni, mac, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> DetachAsync(uint vni, MacAddress mac, CancellationToken cancellationToken)
    {
        try
        {
            await agent.DetachAsync(vni, mac, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PortAgentException ex) when (ex.Code == StatusCode.NotFound)
        {
            return false;
        }
    }

    private static PortState? FromProto(P.PortState state) => state switch
    {
        P.PortState.Learning => PortState.Learning,
        P.PortState.Pending => PortState.Pending,
        P.PortState.Active => PortState.Active,
        P.PortState.Paused => PortState.Paused,
        P.PortState.Suspended => PortState.Suspended,
        _ => null,
    };
}
