using System.Net;
using System.Net.Sockets;
using Nvo3.Security;

namespace Nvo3.Migration;

/// <summary>
/// Where a destination agent listens and who it must be: the address the directory lists for
/// the destination NVE, and that NVE's identity (<c>nvo3://nve/NAME</c>). Over TLS the source
/// verifies the destination's certificate against <see cref="Identity"/> before it sends
/// anything, so state goes only to the NVE the directory names. Over plain text (no TLS material,
/// or <c>--insecure</c>) nothing can be verified and only <see cref="Address"/> counts. Pass it
/// wherever a move takes an <see cref="EndPoint"/>.
/// </summary>
public sealed class AgentEndPoint : EndPoint
{
    /// <summary>An agent at <paramref name="address"/> that must prove it is <paramref name="identity"/>.</summary>
    public AgentEndPoint(IPEndPoint address, PeerIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(identity);
        Address = address;
        Identity = identity;
    }

    /// <summary>Where it listens.</summary>
    public IPEndPoint Address { get; }

    /// <summary>Who it must be.</summary>
    public PeerIdentity Identity { get; }

    /// <inheritdoc />
    public override AddressFamily AddressFamily => Address.AddressFamily;

    /// <inheritdoc />
    public override SocketAddress Serialize() => Address.Serialize();

    /// <inheritdoc />
    public override EndPoint Create(SocketAddress socketAddress) => Address.Create(socketAddress);

    /// <summary>"192.0.2.2:7471 (nvo3://nve/h2)".</summary>
    public override string ToString() => $"{Address} ({Identity})";

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AgentEndPoint other && other.Address.Equals(Address) && other.Identity == Identity;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Address, Identity);
}
