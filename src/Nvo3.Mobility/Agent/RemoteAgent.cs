using Grpc.Net.Client;
using Nvo3.Mobility.Emulated;
using Nvo3.Nva;
using Nvo3.Nva.Client;
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

    /// <summary>Connects to the agent of NVE <paramref name="nve"/>, as the directory lists it; throws <see cref="NvaException"/> when it has none.</summary>
    public static async Task<RemoteAgent> OfAsync(NvaClient nva, string nve, CancellationToken cancellationToken)
    {
        var target = (await nva.ListNvesAsync(cancellationToken).ConfigureAwait(false)).Select(n => n.Nve).FirstOrDefault(n => n.Name == nve)
            ?? throw new NvaException(NvaError.NotFound, $"Unknown NVE '{nve}'.");
        return target.Agent is { } address
            ? new RemoteAgent(new Uri(address))
            : throw new NvaException(NvaError.NotFound, $"NVE '{nve}' runs no agent (start it with --agent-listen).");
    }

    /// <summary>Its ports.</summary>
    public PortAgentClient Ports { get; }

    /// <summary>Its arrivals (emulated VMs, QEMU guests).</summary>
    public RemoteArrivals Arrivals { get; }

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();
}
