using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>A move to record: the workload (by name, or by VNI and MAC), where to, and how.</summary>
/// <param name="Name">The workload's name; or null and <paramref name="Vni"/> with <paramref name="Mac"/>.</param>
/// <param name="Vni">The binding's network when no name is given.</param>
/// <param name="Mac">The binding's MAC when no name is given.</param>
/// <param name="Destination">The NVE it goes to.</param>
/// <param name="Mode">Hot, warm, cold or standby.</param>
/// <param name="RequestId">
/// Names this request so that a retry after a lost answer (the NVA died, the client failed over
/// to another) finds the migration it made instead of being refused as "already migrating";
/// <see cref="Client.NvaClient"/> makes one when none is given.
/// </param>
public sealed record BeginMigrationRequest(string? Name, uint Vni, MacAddress Mac, string Destination, MigrationMode Mode, string? RequestId = null);
