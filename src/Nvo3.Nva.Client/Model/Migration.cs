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
    string? Result)
{
    /// <summary>True until it completed or was aborted.</summary>
    public bool IsOpen => Phase is MigrationPhase.Prepared or MigrationPhase.Paused or MigrationPhase.Activated;
}
