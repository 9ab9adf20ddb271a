namespace Nvo3.Nva.View;

/// <summary>
/// Where the authority reads the records it decides on: the store itself, or the NVA's watched
/// copy of it (<see cref="DirectoryCache"/>). Either way the decision is committed with
/// compare-and-swap on the revisions read, so a copy that lagged only costs a retry.
/// </summary>
internal interface IRecordSource
{
    /// <summary>The value at <paramref name="key"/>, or null when absent.</summary>
    ValueTask<Stored<T>?> GetAsync<T>(string key, CancellationToken cancellationToken) where T : class;

    /// <summary>Every value under <paramref name="prefix"/>, in key order, and the revision they are at.</summary>
    ValueTask<(IReadOnlyList<Stored<T>> Entries, long Revision)> ListAsync<T>(string prefix, CancellationToken cancellationToken) where T : class;
}
