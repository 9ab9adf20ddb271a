using Nvo3.Nva.Storage;

namespace Nvo3.Nva.View;

/// <summary>Compares on what was read: the transaction commits only if the value is still the one read.</summary>
internal static class StoredCompares
{
    /// <summary>Requires <paramref name="entry"/>'s key to be unchanged since it was read.</summary>
    public static StoreTransaction IfUnchanged<T>(this StoreTransaction txn, Stored<T> entry) where T : class =>
        txn.IfModRevision(entry.Key, entry.ModRevision);

    /// <summary>Requires <paramref name="key"/> to be as read: unchanged, or still absent when <paramref name="entry"/> is null.</summary>
    public static StoreTransaction IfUnchanged<T>(this StoreTransaction txn, string key, Stored<T>? entry) where T : class =>
        txn.IfModRevision(key, entry?.ModRevision ?? 0);
}
