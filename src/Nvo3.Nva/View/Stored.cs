namespace Nvo3.Nva.View;

/// <summary>A decoded value of the directory with its key and the revision that last changed it (what a compare-and-swap compares).</summary>
/// <typeparam name="T">The record type, or <see cref="string"/> for index entries.</typeparam>
/// <param name="Key">Its store key.</param>
/// <param name="Value">The decoded value.</param>
/// <param name="ModRevision">The revision of the transaction that last changed it.</param>
internal sealed record Stored<T>(string Key, T Value, long ModRevision) where T : class;
