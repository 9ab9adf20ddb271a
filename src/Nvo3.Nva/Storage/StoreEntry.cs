namespace Nvo3.Nva.Storage;

/// <summary>One key and its value, with the revisions that created and last changed it.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value (UTF-8 JSON for the NVA's records).</param>
/// <param name="CreateRevision">The revision of the transaction that created the key.</param>
/// <param name="ModRevision">The revision of the transaction that last changed it.</param>
/// <param name="Version">How many times it was written since it was created (1 after creation).</param>
public sealed record StoreEntry(string Key, byte[] Value, long CreateRevision, long ModRevision, long Version);
