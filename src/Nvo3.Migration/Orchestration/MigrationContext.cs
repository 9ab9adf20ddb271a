using System.Net;

namespace Nvo3.Migration;

/// <summary>Which move a hook is called for.</summary>
/// <param name="Id">The migration's id (also what the destination answers queries by).</param>
/// <param name="Workload">The workload's name.</param>
/// <param name="Mode">Hot, warm, cold or hot standby.</param>
/// <param name="SourceAgent">The agent it leaves.</param>
/// <param name="DestinationAgent">The agent it goes to, as that agent named itself.</param>
/// <param name="Destination">The destination agent's endpoint.</param>
public sealed record MigrationContext(Guid Id, string Workload, MigrationMode Mode, string SourceAgent, string DestinationAgent, EndPoint Destination);
