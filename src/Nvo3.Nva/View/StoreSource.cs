using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;

namespace Nvo3.Nva.View;

/// <summary>Reads straight from the store, decoding each value: the source of every retry and of an authority without a watched copy.</summary>
internal sealed class StoreSource(IDirectoryStore store) : IRecordSource
{
    /// <inheritdoc />
    public async ValueTask<Stored<T>?> GetAsync<T>(string key, CancellationToken cancellationToken) where T : class
    {
        var entry = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return entry is null ? null : new Stored<T>(key, RecordJson.Decode<T>(entry.Value), entry.ModRevision);
    }

    /// <inheritdoc />
    public async ValueTask<(IReadOnlyList<Stored<T>> Entries, long Revision)> ListAsync<T>(string prefix, CancellationToken cancellationToken) where T : class
    {
        var range = await store.ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        return (range.Entries.Select(e => new Stored<T>(e.Key, RecordJson.Decode<T>(e.Value), e.ModRevision)).ToList(), range.Revision);
    }
}
