using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>
/// One tenant system interface: its addresses, where it is placed, and its mobility state.
/// </summary>
/// <param name="Vni">Its virtual network.</param>
/// <param name="Mac">Its MAC address (unique in the network).</param>
/// <param name="Ips">Its IPv4 and IPv6 addresses (each unique in the network); the directory is the authority for IP↔MAC.</param>
/// <param name="Name">The workload's name, unique across the directory (the MAC when none was given).</param>
/// <param name="Sticky">Gateways and appliances never move; a claim elsewhere is refused.</param>
/// <param name="Placements">Its NVEs and its state at each; at most one is Activated.</param>
/// <param name="Sequence">The mobility sequence number: +1 at every activation at another NVE; the highest wins.</param>
/// <param name="LastTrigger">What caused the last activation.</param>
/// <param name="Updated">When it last changed.</param>
/// <param name="UnplannedMoves">When recent unplanned moves happened (within the duplicate-detection window).</param>
/// <param name="Duplicate">Flagged by duplicate detection.</param>
/// <param name="FrozenUntil">Under policy freeze, unplanned moves are refused until then (<see cref="DateTimeOffset.MaxValue"/>: until cleared).</param>
/// <param name="MigrationId">The migration in progress, if any.</param>
public sealed record Binding(
    uint Vni,
    MacAddress Mac,
    IReadOnlyList<IpAddr> Ips,
    string Name,
    bool Sticky,
    IReadOnlyList<Placement> Placements,
    long Sequence,
    MoveTrigger LastTrigger,
    DateTimeOffset Updated,
    IReadOnlyList<DateTimeOffset> UnplannedMoves,
    bool Duplicate,
    DateTimeOffset? FrozenUntil,
    string? MigrationId)
{
    /// <summary>The NVE where it is Activated, or null.</summary>
    public string? ActiveNve => Placements.FirstOrDefault(p => p.State == PlacementState.Activated)?.Nve;

    /// <summary>Its placement at <paramref name="nve"/>, or null (Init).</summary>
    public Placement? At(string nve) => Placements.FirstOrDefault(p => p.Nve == nve);
}
