namespace Nvo3.Security;

/// <summary>
/// What a TLS peer must prove beyond a certificate from our CA that is valid now. A server asks
/// any client for its identity and authorizes it afterwards (<see cref="AnyClient"/>). A client
/// either pins the server's identity (<see cref="Server(PeerIdentity)"/>: the migration destination
/// must be the NVE the directory names), which replaces the host name check, or checks the
/// server's DNS/IP SANs against the host it dialled (<see cref="ServerAt"/>), optionally
/// requiring a role.
/// </summary>
public sealed record PeerRequirement
{
    private PeerRequirement(bool peerIsServer, PeerIdentity? identity, PeerRole? role, string? hostName)
    {
        PeerIsServer = peerIsServer;
        Identity = identity;
        Role = role;
        HostName = hostName;
    }

    /// <summary>The peer is the server (it must hold a serverAuth certificate), else the client (clientAuth).</summary>
    public bool PeerIsServer { get; }

    /// <summary>The exact identity the peer must have, or null.</summary>
    public PeerIdentity? Identity { get; }

    /// <summary>The role the peer must have, or null for any.</summary>
    public PeerRole? Role { get; }

    /// <summary>
    /// With no pinned identity, the host name or IP address the server's SANs must match; null
    /// takes the host the connection was made to (the TLS target host).
    /// </summary>
    public string? HostName { get; }

    /// <summary>Any client with a certificate from our CA; what it may do is decided from its identity afterwards.</summary>
    public static PeerRequirement AnyClient { get; } = new(false, null, null, null);

    /// <summary>A server that is exactly <paramref name="identity"/> (no host name check).</summary>
    public static PeerRequirement Server(PeerIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new(true, identity, identity.Role, null);
    }

    /// <summary>
    /// A server whose DNS or IP SANs match <paramref name="hostName"/> (null: the host dialled),
    /// and whose role is <paramref name="role"/> when given.
    /// </summary>
    public static PeerRequirement ServerAt(string? hostName, PeerRole? role = null) => new(true, null, role, hostName);

    /// <summary>How the requirement reads in an error message.</summary>
    public override string ToString() => Identity is not null ? Identity.ToString()
        : $"{(Role is { } r ? PeerIdentity.RoleName(r) + " " : "")}{(PeerIsServer ? "server" : "client")}{(HostName is null ? "" : " at " + HostName)}";
}
