namespace Nvo3.Mutation;

/// <summary>A file to mutate; with <see cref="Members"/>, only inside the named methods, constructors or properties.</summary>
/// <param name="Path">Relative to the repository.</param>
/// <param name="Members">Member names to keep to, or null for the whole file.</param>
internal sealed record AreaFile(string Path, IReadOnlyList<string>? Members = null);
