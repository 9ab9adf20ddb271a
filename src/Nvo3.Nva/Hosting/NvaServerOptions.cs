namespace Nvo3.Nva.Hosting;

/// <summary>How an NVA server listens and what rules it applies.</summary>
public sealed record NvaServerOptions
{
    /// <summary>The default gRPC port.</summary>
    public const int DefaultPort = 7470;

    /// <summary>HOST:PORT to listen on (port 0 picks a free one). Default 127.0.0.1:7470.</summary>
    public string Listen { get; init; } = $"127.0.0.1:{DefaultPort}";

    /// <summary>The directory's rules and limits.</summary>
    public NvaSettings Settings { get; init; } = new();

    /// <summary>How often expired redirects are removed. Default 200 ms.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
