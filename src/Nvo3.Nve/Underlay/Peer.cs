using System.Net;
using System.Net.Sockets;
using Nvo3.Nva;

namespace Nvo3.Nve;

/// <summary>
/// Another NVE as the data path sees it: its name, endpoint, and the socket address the sender
/// reuses for every packet (built once, so a send allocates nothing).
/// </summary>
public sealed class Peer
{
    /// <summary>Creates a peer for an NVE record.</summary>
    public Peer(string name, UnderlayEndpoint endpoint)
    {
        Name = name;
        Endpoint = endpoint;
        SocketAddress = new IPEndPoint(endpoint.Address.ToIPAddress(), endpoint.Port).Serialize();
        GpeSocketAddress = new IPEndPoint(endpoint.Address.ToIPAddress(), UdpUnderlay.GpePortFor(endpoint.Port)).Serialize();
    }

    /// <summary>Its VXLAN-GPE endpoint (Layer-3 networks) as a socket address.</summary>
    public SocketAddress GpeSocketAddress { get; }

    /// <summary>Its ILA locator, when it has one.</summary>
    public ulong? IlaLocator { get; init; }

    /// <summary>The NVE's name.</summary>
    public string Name { get; }

    /// <summary>Where it receives.</summary>
    public UnderlayEndpoint Endpoint { get; }

    /// <summary>Its endpoint as a socket address.</summary>
    public SocketAddress SocketAddress { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Endpoint})";
}
