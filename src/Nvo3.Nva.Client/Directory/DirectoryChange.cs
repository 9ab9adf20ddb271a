namespace Nvo3.Nva;

/// <summary>
/// One change pushed to watchers. A put carries the new record; a delete carries the last known
/// identity in <see cref="Key"/> (and, for bindings and redirects, a record with that identity).
/// </summary>
/// <param name="Revision">The store revision of the change.</param>
/// <param name="Kind">What changed.</param>
/// <param name="Key">The store key.</param>
/// <param name="Network">For network changes.</param>
/// <param name="Nve">For NVE changes.</param>
/// <param name="Binding">For binding puts.</param>
/// <param name="Redirect">For redirect puts.</param>
/// <param name="Migration">For migration puts.</param>
/// <param name="Vni">For binding and redirect deletes: the binding's network.</param>
/// <param name="Mac">For binding and redirect deletes: the binding's MAC.</param>
/// <param name="Name">For NVE and redirect deletes: the NVE (the redirect's old NVE); for migration deletes, its id.</param>
public sealed record DirectoryChange(
    long Revision,
    ChangeKind Kind,
    string Key,
    VirtualNetwork? Network = null,
    NveRecord? Nve = null,
    Binding? Binding = null,
    Redirect? Redirect = null,
    Migration? Migration = null,
    uint Vni = 0,
    Packets.MacAddress Mac = default,
    string? Name = null);
