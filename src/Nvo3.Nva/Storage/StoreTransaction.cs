namespace Nvo3.Nva.Storage;

/// <summary>
/// Compares that must all hold, and the puts and deletes applied atomically when they do. Build
/// one, commit it once.
/// </summary>
public sealed class StoreTransaction
{
    private readonly List<StoreCompare> _compares = [];
    private readonly List<StoreOperation> _operations = [];

    /// <summary>The compares, all of which must hold.</summary>
    public IReadOnlyList<StoreCompare> Compares => _compares;

    /// <summary>The operations, applied in order.</summary>
    public IReadOnlyList<StoreOperation> Operations => _operations;

    /// <summary>
    /// Requires <paramref name="key"/> to have last changed at <paramref name="modRevision"/>; 0
    /// requires the key to be absent.
    /// </summary>
    public StoreTransaction IfModRevision(string key, long modRevision)
    {
        _compares.Add(new StoreCompare(key, modRevision));
        return this;
    }

    /// <summary>Requires <paramref name="key"/> to be absent.</summary>
    public StoreTransaction IfAbsent(string key) => IfModRevision(key, 0);

    /// <summary>Requires <paramref name="entry"/>'s key to be unchanged since it was read (or still absent when null).</summary>
    public StoreTransaction IfUnchanged(string key, StoreEntry? entry) => IfModRevision(key, entry?.ModRevision ?? 0);

    /// <summary>Writes <paramref name="value"/> at <paramref name="key"/>.</summary>
    public StoreTransaction Put(string key, byte[] value)
    {
        _operations.Add(new StoreOperation(key, value));
        return this;
    }

    /// <summary>Removes <paramref name="key"/> (nothing happens when it is absent).</summary>
    public StoreTransaction Delete(string key)
    {
        _operations.Add(new StoreOperation(key, null));
        return this;
    }
}

/// <summary>A compare on a key's last-modified revision (0 = absent).</summary>
public readonly record struct StoreCompare(string Key, long ModRevision);

/// <summary>A put (value not null) or a delete (value null).</summary>
public readonly record struct StoreOperation(string Key, byte[]? Value)
{
    /// <summary>True for a delete.</summary>
    public bool IsDelete => Value is null;
}
