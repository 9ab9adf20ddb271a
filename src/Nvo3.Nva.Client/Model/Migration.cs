using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>A recorded move of one binding between two NVEs.</summary>
/// <param name="Id">Its identifier.</param>
/// <param name="Vni">The binding's network.</param>
/// <param name="Mac">The binding's MAC.</param>
/// <param name="Name">The workload's name.</param>
/// <param name="Source">The NVE it leaves.</param>
/// <param name="Destination">The NVE it goes to.</param>
/// <param name="Mode">Hot, warm, cold or standby.</param>
/// <param name="Phase">Where it stands.</param>
/// <param name="Started">When it was recorded.</param>
/// <param name="Paused">When the workload paused at the source.</param>
/// <param name="Activated">When the destination was activated.</param>
/// <param name="Ended">When it completed or was aborted.</param>
/// <param name="Result">Why it ended as it did.</param>
/// <param name="RequestId">The id of the request that began it, so a retried begin finds it.</param>
/// <param name="SettledBy">Who ended it when its coordinator did not: the NVA's leader after a timeout, or an operator.</param>
/// <param name="Deadline">
/// In an NVA's answer about an open migration: when its leader settles it if it is still in this
/// phase (null for a standby protection, which lasts while both sides live). Not stored.
/// </param>
public sealed record Migration(
    string Id,
    uint Vni,
    MacAddress Mac,
    string Name,
    string Source,
    string Destination,
    MigrationMode Mode,
    MigrationPhase Phase,
    DateTimeOffset Started,
    DateTimeOffset? Paused,
    DateTimeOffset? Activated,
    DateTimeOffset? Ended,
    string? Result,
    string? RequestId = null,
    string? SettledBy = null,
    [property: System.Text.Json.Serialization.JsonIgnore] DateTimeOffset? Deadline = null)
{
    /// <summary>True until it completed or was aborted.</summary>
    public bool IsOpen => Phase is MigrationPhase.Prepared or MigrationPhase.Paused or MigrationPhase.Activated;
}
