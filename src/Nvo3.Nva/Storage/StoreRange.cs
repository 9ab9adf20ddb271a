namespace Nvo3.Nva.Storage;

/// <summary>The entries of a prefix read and the store revision the read saw.</summary>
/// <param name="Entries">The entries, in key order.</param>
/// <param name="Revision">The store revision at the read; a watch from <c>Revision + 1</c> continues it without a gap.</param>
public sealed record StoreRange(IReadOnlyList<StoreEntry> Entries, long Revision);
