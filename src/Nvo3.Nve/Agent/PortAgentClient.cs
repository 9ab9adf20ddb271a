using Grpc.Core;
using Grpc.Net.Client;
using Nvo3.Packets;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Nve.Agent;

/// <summary>
/// A client of an NVE's port agent. Refusals arrive as <see cref="PortAgentException"/> with the
/// agent's message. Thread-safe; owns its channel.
/// </summary>
public sealed class PortAgentClient : IDisposable
{
    private readonly GrpcChannel? _channel;
    private readonly P.PortAgent.PortAgentClient _client;

    /// <summary>Connects (lazily) to the agent at <paramref name="address"/> (http://HOST:PORT).</summary>
    public PortAgentClient(Uri address)
    {
        Address = address;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3) },
        });
        _client = new P.PortAgent.PortAgentClient(_channel);
    }

    /// <summary>A client over a channel someone else owns (an agent that serves more than ports on it).</summary>
    public PortAgentClient(GrpcChannel channel, Uri address)
    {
        Address = address;
        _client = new P.PortAgent.PortAgentClient(channel);
    }

    /// <summary>The agent's address.</summary>
    public Uri Address { get; }

    /// <summary>Creates TAP <paramref name="tap"/> at the NVE and attaches it for (<paramref name="vni"/>, <paramref name="mac"/>).</summary>
    public Task<P.Port> AttachTapAsync(string tap, uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.AttachTapAsync(new P.AttachTapRequest { Tap = tap, Vni = vni, Mac = mac.ToString() }, cancellationToken: cancellationToken));

    /// <summary>Detaches the port and closes its device.</summary>
    public Task DetachAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.DetachPortAsync(Key(vni, mac), cancellationToken: cancellationToken));

    /// <summary>Pauses the port (packets in flight go to the new NVE); returns that NVE's name, or null.</summary>
    public Task<string?> PauseAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            var response = await _client.PausePortAsync(Key(vni, mac), cancellationToken: cancellationToken);
            return string.IsNullOrEmpty(response.RedirectTo) ? null : response.RedirectTo;
        });

    /// <summary>Resumes the port.</summary>
    public Task<P.Port> ResumeAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.ResumePortAsync(Key(vni, mac), cancellationToken: cancellationToken));

    /// <summary>Makes the port Active again and stops its redirect (a move given up before its switchover).</summary>
    public Task<P.Port> ReactivateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.ReactivatePortAsync(Key(vni, mac), cancellationToken: cancellationToken));

    /// <summary>Suspends the port for a cold move: traffic for it is dropped, or answered unreachable (Layer 3).</summary>
    public Task<P.Port> SuspendAsync(uint vni, MacAddress mac, SuspendPolicy policy, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.SuspendPortAsync(new P.SuspendPortRequest
        {
            Port = Key(vni, mac),
            Policy = policy == SuspendPolicy.Unreachable ? P.SuspendPolicy.Unreachable : P.SuspendPolicy.Drop,
        }, cancellationToken: cancellationToken));

    /// <summary>The port of (<paramref name="vni"/>, <paramref name="mac"/>) and the redirect for it, if any.</summary>
    public Task<P.PortStatus> GetAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.GetPortAsync(Key(vni, mac), cancellationToken: cancellationToken));

    /// <summary>The ports and the NVE's counters.</summary>
    public Task<P.ListPortsResponse> ListAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async () => await _client.ListPortsAsync(new P.ListPortsRequest(), cancellationToken: cancellationToken));

    private static P.PortKey Key(uint vni, MacAddress mac) => new() { Vni = vni, Mac = mac.ToString() };

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw new PortAgentException(ex.StatusCode, ex.StatusCode == StatusCode.Unavailable
                ? $"The port agent at {Address} cannot be reached: {ex.Status.Detail}"
                : ex.Status.Detail, ex);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _channel?.Dispose();
}
