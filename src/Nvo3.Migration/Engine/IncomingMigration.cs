using System.Net;
using Nvo3.Security;

namespace Nvo3.Migration;

/// <summary>
/// A migration offered to this agent, as <see cref="MigrationAgentOptions.Authorize"/> sees it
/// before anything is allocated or answered.
/// </summary>
/// <param name="Source">Who offers it: the identity the source proved in the TLS handshake.</param>
/// <param name="Workload">The workload's name.</param>
/// <param name="Mode">Hot, cold, warm or hot standby.</param>
/// <param name="SourceAgent">The name the source agent gives itself (not verified; <paramref name="Source"/> is).</param>
/// <param name="MigrationId">The migration's id.</param>
/// <param name="Remote">The source's address.</param>
public sealed record IncomingMigration(PeerIdentity Source, string Workload, MigrationMode Mode, string SourceAgent, Guid MigrationId, EndPoint? Remote);
