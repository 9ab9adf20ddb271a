using System.Net;

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

    /// <summary>How long an accepted connection may take to send its first frame. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many finished migrations it remembers for status queries. Default 1024.</summary>
    public int StatusHistory { get; init; } = 1024;
}
