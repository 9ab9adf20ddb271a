using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Mobility;

/// <summary>An NVE in this process, driven directly.</summary>
public sealed class EdgeControl(Edge edge) : INveControl
{
    /// <summary>The NVE.</summary>
    public Edge Edge => edge;

    /// <inheritdoc />
    public string Name => edge.Name;

    /// <inheritdoc />
    public Task<PortState?> PortStateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) =>
        Task.FromResult(edge.GetPort(vni, mac)?.State);

    /// <inheritdoc />
    public Task<string?> PreparedAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) =>
        Task.FromResult(edge.GetPreparedRedirect(vni, mac));

    /// <inheritdoc />
    public Task<bool> RedirectRunsAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) =>
        Task.FromResult(edge.GetRedirect(vni, mac) is not null);

    /// <inheritdoc />
    public Task<string?> PauseAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) => Task.FromResult(edge.PausePort(vni, mac));

    /// <inheritdoc />
    public Task SuspendAsync(uint vni, MacAddress mac, SuspendPolicy policy, CancellationToken cancellationToken)
    {
        edge.SuspendPort(vni, mac, policy);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ReactivateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken)
    {
        edge.ReactivatePort(vni, mac);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ResumeAsync(uint vni, MacAddress mac, CancellationToken cancellationToken)
    {
        edge.ResumePort(vni, mac);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> DetachAsync(uint vni, MacAddress mac, CancellationToken cancellationToken) => Task.FromResult(edge.DetachPort(vni, mac));
}
