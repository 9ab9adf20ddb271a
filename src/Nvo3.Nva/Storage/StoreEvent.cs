namespace Nvo3.Nva.Storage;

/// <summary>One change seen by a watch.</summary>
/// <param name="Kind">Put or delete.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value of a put; null for a delete.</param>
/// <param name="Revision">The revision of the transaction that made the change.</param>
public sealed record StoreEvent(StoreEventKind Kind, string Key, byte[]? Value, long Revision);

/// <summary>What a change did.</summary>
public enum StoreEventKind
{
    /// <summary>The key was created or overwritten.</summary>
    Put,
    /// <summary>The key was removed.</summary>
    Delete,
}
