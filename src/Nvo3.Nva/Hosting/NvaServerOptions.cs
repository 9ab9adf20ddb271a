using Nvo3.Security;

namespace Nvo3.Nva.Hosting;

/// <summary>How an NVA server listens and what rules it applies.</summary>
public sealed record NvaServerOptions
{
    /// <summary>The default gRPC port.</summary>
    public const int DefaultPort = Client.NvaClient.DefaultPort;

    /// <summary>HOST:PORT to listen on (port 0 picks a free one). Default 127.0.0.1:7470.</summary>
    public string Listen { get; init; } = $"127.0.0.1:{DefaultPort}";

    /// <summary>
    /// How clients reach it: mutual TLS (every client presents a certificate from the CA), plain
    /// text with a warning (<see cref="TransportSecurity.Insecure"/>), or nothing said
    /// (<see cref="TransportSecurity.Unspecified"/>, plain text until every client does TLS).
    /// Default <see cref="TransportSecurity.Unspecified"/>.
    /// </summary>
    public TransportSecurity Security { get; init; } = TransportSecurity.Unspecified;

    /// <summary>The directory's rules and limits.</summary>
    public NvaSettings Settings { get; init; } = new();

    /// <summary>How many recent changes the watch hub keeps for watchers that reconnect. Default 65 536.</summary>
    public int WatchHistory { get; init; } = 65_536;

    /// <summary>How far one watcher may fall behind before it is cut off and resyncs. Default 65 536 changes.</summary>
    public int WatcherBuffer { get; init; } = 65_536;

    /// <summary>How often the leader sweeps: expired redirects and leases, standby failovers, migrations past their deadline. Default 200 ms.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// With several NVAs on one etcd: the lease the leader holds. When the leader dies, another
    /// replica leads within this long after its last renewal. Default 5 s (etcd's minimum is about 2 s).
    /// </summary>
    public TimeSpan LeaderLease { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>This replica's name in the election and in <c>nvo3 nva status</c>; null: HOST/PID/ADDRESS.</summary>
    public string? ReplicaName { get; init; }
}
