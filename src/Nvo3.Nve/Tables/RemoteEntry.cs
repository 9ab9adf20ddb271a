namespace Nvo3.Nve;

/// <summary>
/// Where a remote MAC is: the NVE that hosts it and until when the answer may be used. Mutable in
/// place (fields written whole, read without locks): the data path reads the peer, a refresh
/// swaps it.
/// </summary>
public sealed class RemoteEntry
{
    private volatile Peer? _peer;
    private long _expiresTicks;
    private long _changedTicks;
    private int _refreshing;

    internal RemoteEntry(Peer? peer, long expiresTicks, long nowTicks)
    {
        _peer = peer;
        _expiresTicks = expiresTicks;
        _changedTicks = nowTicks;
    }

    /// <summary>The hosting NVE (null while the binding is active nowhere).</summary>
    public Peer? Peer => _peer;

    /// <summary>When the answer is due for a refresh (timestamp ticks; <see cref="long.MaxValue"/> in push mode). It stays in use until the refresh answers.</summary>
    public long ExpiresTicks => Interlocked.Read(ref _expiresTicks);

    /// <summary>When the peer last changed (timestamp ticks).</summary>
    public long ChangedTicks => Interlocked.Read(ref _changedTicks);

    /// <summary>True while a refresh is under way.</summary>
    public bool Refreshing => Volatile.Read(ref _refreshing) != 0;

    internal bool TryStartRefresh() => Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0;

    internal void EndRefresh() => Volatile.Write(ref _refreshing, 0);

    internal void Update(Peer? peer, long expiresTicks, long nowTicks)
    {
        if (!ReferenceEquals(peer, _peer) && peer?.Name != _peer?.Name)
        {
            Interlocked.Exchange(ref _changedTicks, nowTicks);
        }
        _peer = peer;
        Interlocked.Exchange(ref _expiresTicks, expiresTicks);
    }
}
