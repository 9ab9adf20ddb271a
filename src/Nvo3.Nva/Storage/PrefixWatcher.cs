using System.Threading.Channels;

namespace Nvo3.Nva.Storage;

/// <summary>
/// One watch's live queue in an in-process store: the writer offers every committed batch, the
/// watcher keeps the events under its prefix. Unbounded so that a slow reader never blocks a
/// writer; the reader owns the channel and drains it until the store completes it.
/// </summary>
internal sealed class PrefixWatcher(string prefix)
{
    public Channel<IReadOnlyList<StoreEvent>> Channel { get; } =
        System.Threading.Channels.Channel.CreateUnbounded<IReadOnlyList<StoreEvent>>(new UnboundedChannelOptions { SingleReader = true });

    public void Offer(IReadOnlyList<StoreEvent> batch)
    {
        var filtered = Filter(batch, prefix);
        if (filtered.Count > 0)
        {
            Channel.Writer.TryWrite(filtered);
        }
    }

    /// <summary>The events of <paramref name="batch"/> whose key starts with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<StoreEvent> Filter(IReadOnlyList<StoreEvent> batch, string prefix)
    {
        if (prefix.Length == 0)
        {
            return batch;
        }
        var filtered = new List<StoreEvent>(batch.Count);
        foreach (var e in batch)
        {
            if (e.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                filtered.Add(e);
            }
        }
        return filtered;
    }
}
