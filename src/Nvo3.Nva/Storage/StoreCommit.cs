namespace Nvo3.Nva.Storage;

/// <summary>The outcome of a transaction.</summary>
/// <param name="Succeeded">True when every compare held and the operations were applied.</param>
/// <param name="Revision">The new revision when it succeeded; the current revision when it did not.</param>
public readonly record struct StoreCommit(bool Succeeded, long Revision);
