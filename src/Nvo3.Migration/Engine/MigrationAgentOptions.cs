using System.Net;
using Nvo3.Security;

namespace Nvo3.Migration;

/// <summary>A migration agent's settings.</summary>
public sealed record MigrationAgentOptions
{
    /// <summary>The agent's name (the server's, usually), as peers and hooks see it.</summary>
    public required string Name { get; init; }

    /// <summary>Where it listens for incoming migrations. Default 127.0.0.1 on any free port.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The most memory plus disk one incoming workload may have; larger ones are refused before anything is allocated. Default 4 GiB.</summary>
    public long MaxIncomingBytes { get; init; } = 4L << 30;

    /// <summary>How long an accepted connection may take to finish its TLS handshake, and then to send its first frame. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many finished migrations it remembers for status queries. Default 1024.</summary>
    public int StatusHistory { get; init; } = 1024;

    /// <summary>
    /// How its connections are protected, incoming and outgoing alike: mutual TLS with its
    /// certificate (a source proves who it is to the destination, and the destination to the
    /// source before any state goes; see <see cref="AgentEndPoint"/>), plain text with a warning
    /// (<see cref="TransportSecurity.Insecure"/>), or nothing said (plain text for now). Default
    /// <see cref="TransportSecurity.Unspecified"/>.
    /// </summary>
    public TransportSecurity Security { get; init; } = TransportSecurity.Unspecified;

    /// <summary>
    /// Decides, from the identity the source proved, whether an incoming migration is accepted
    /// (the integrator's rule: the directory-listed source of the workload, or an operator). False
    /// refuses it with the protocol's Abort before anything is allocated; an exception, or no answer
    /// within <see cref="HandshakeTimeout"/> (its token is cancelled then), refuses too. Null accepts
    /// every source the CA vouches for. Needs <see cref="TransportSecurityMode.MutualTls"/>.
    /// </summary>
    public Func<IncomingMigration, CancellationToken, ValueTask<bool>>? Authorize { get; init; }
}
