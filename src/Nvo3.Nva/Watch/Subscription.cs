using System.Runtime.CompilerServices;
using System.Threading.Channels;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Watch;

/// <summary>
/// One watcher's view of the hub: the changes from its revision on (of its networks only, when it
/// named some, and every NVE change), in order, ending with a <see cref="ChangeKind.Resync"/> if it
/// fell behind. Dispose it to stop.
/// </summary>
public sealed class Subscription : IDisposable
{
    private static readonly PublishedChange s_resync = new(new DirectoryChange(0, ChangeKind.Resync, ""), 0);

    private readonly WatchHub _hub;
    private readonly long _fromRevision;
    private readonly Channel<PublishedChange> _channel;
    private volatile bool _overflowed;
    private long _lastOffered;

    internal Subscription(WatchHub hub, long fromRevision, IReadOnlySet<uint>? vnis, int capacity)
    {
        _hub = hub;
        _fromRevision = fromRevision;
        Vnis = vnis;
        _channel = Channel.CreateBounded<PublishedChange>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
    }

    /// <summary>The networks it follows; null for every network.</summary>
    public IReadOnlySet<uint>? Vnis { get; }

    /// <summary>The revision of the last change queued for it (0: none yet).</summary>
    internal long LastOffered => Interlocked.Read(ref _lastOffered);

    /// <summary>Yields changes until cancelled; the last is a resync marker when the subscriber was cut off.</summary>
    public async IAsyncEnumerable<DirectoryChange> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in ReadPublishedAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return change.Change;
        }
    }

    /// <summary>The stream's messages, shared with every other subscriber that gets the same change.</summary>
    internal async IAsyncEnumerable<P.WatchResponse> ReadMessagesAsync(Authority authority, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in ReadPublishedAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return change.Message(authority.Time.GetUtcNow(), authority.Settings.DuplicateWindow);
        }
    }

    private async IAsyncEnumerable<PublishedChange> ReadPublishedAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in _channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return change;
        }
        if (_overflowed)
        {
            yield return s_resync;
        }
    }

    // Called under the hub's lock. False when the subscriber is full and has been cut off.
    internal bool Offer(PublishedChange change)
    {
        if (change.Revision < _fromRevision || !change.Concerns(Vnis))
        {
            return true;
        }
        if (_channel.Writer.TryWrite(change))
        {
            Interlocked.Exchange(ref _lastOffered, change.Revision);
            return true;
        }
        Overflow();
        return false;
    }

    internal void Overflow()
    {
        _overflowed = true;
        _channel.Writer.TryComplete();
    }

    internal void Complete() => _channel.Writer.TryComplete();

    /// <inheritdoc />
    public void Dispose()
    {
        _hub.Remove(this);
        _channel.Writer.TryComplete();
    }
}
