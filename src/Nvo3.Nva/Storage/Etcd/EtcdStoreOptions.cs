namespace Nvo3.Nva.Storage.Etcd;

/// <summary>Settings of an <see cref="EtcdStore"/>.</summary>
public sealed record EtcdStoreOptions
{
    /// <summary>
    /// Where the store's keys live in etcd (default <c>/nvo3/</c>). Callers never see it: key
    /// <c>vn/42</c> is <c>/nvo3/vn/42</c> in etcd. Give each directory sharing a cluster its own.
    /// </summary>
    public string Prefix { get; init; } = "/nvo3/";

    /// <summary>How long opening the store waits for etcd to answer before it gives up (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a watch waits before it reconnects after its stream broke (default 1 s).</summary>
    public TimeSpan WatchRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
