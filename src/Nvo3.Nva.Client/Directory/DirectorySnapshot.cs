namespace Nvo3.Nva;

/// <summary>Every record of the directory at one revision.</summary>
/// <param name="Revision">The store revision of the read; watch from <c>Revision + 1</c> to continue without a gap.</param>
/// <param name="Networks">Virtual networks.</param>
/// <param name="Nves">NVEs.</param>
/// <param name="Bindings">Bindings.</param>
/// <param name="Redirects">Redirects.</param>
/// <param name="Migrations">Migrations.</param>
public sealed record DirectorySnapshot(
    long Revision,
    IReadOnlyList<VirtualNetwork> Networks,
    IReadOnlyList<NveRecord> Nves,
    IReadOnlyList<Binding> Bindings,
    IReadOnlyList<Redirect> Redirects,
    IReadOnlyList<Migration> Migrations);
