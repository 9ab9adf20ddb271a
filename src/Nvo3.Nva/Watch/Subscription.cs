using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Nvo3.Nva.Watch;

/// <summary>
/// One watcher's view of the hub: the changes from its revision on, in order, ending with a
/// <see cref="ChangeKind.Resync"/> if it fell behind. Dispose it to stop.
/// </summary>
public sealed class Subscription : IDisposable
{
    private readonly WatchHub _hub;
    private readonly long _fromRevision;
    private readonly Channel<DirectoryChange> _channel;
    private volatile bool _overflowed;

    internal Subscription(WatchHub hub, long fromRevision, int capacity)
    {
        _hub = hub;
        _fromRevision = fromRevision;
        _channel = Channel.CreateBounded<DirectoryChange>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
    }

    /// <summary>Yields changes until cancelled; the last is a resync marker when the subscriber was cut off.</summary>
    public async IAsyncEnumerable<DirectoryChange> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in _channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return change;
        }
        if (_overflowed)
        {
            yield return new DirectoryChange(0, ChangeKind.Resync, "");
        }
    }

    // Called under the hub's lock. False when the subscriber is full and has been cut off.
    internal bool Offer(DirectoryChange change)
    {
        if (change.Revision < _fromRevision)
        {
            return true;
        }
        if (_channel.Writer.TryWrite(change))
        {
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
