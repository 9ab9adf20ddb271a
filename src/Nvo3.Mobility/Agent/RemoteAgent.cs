using Grpc.Net.Client;
using Nvo3.Mobility.Emulated;
using Nvo3.Nve.Agent;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Mobility.Agent;

/// <summary>The agent of an NVE in another process: its port agent and its arrivals, over one channel. Owns the channel.</summary>
public sealed class RemoteAgent : IDisposable
{
    private readonly GrpcChannel _channel;

    /// <summary>Connects (lazily) to the agent at <paramref name="address"/>.</summary>
    public RemoteAgent(Uri address)
    {
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3) },
        });
        Ports = new PortAgentClient(_channel, address);
        Arrivals = new RemoteArrivals(new P.Migrations.MigrationsClient(_channel));
    }

    /// <summary>Its ports.</summary>
    public PortAgentClient Ports { get; }

    /// <summary>Its arrivals of emulated VMs.</summary>
    public RemoteArrivals Arrivals { get; }

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();
}
