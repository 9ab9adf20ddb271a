namespace Nvo3.Nva;

/// <summary>One NVA replica as it describes itself (<c>nvo3 nva status</c>).</summary>
/// <param name="Replica">Its name in the election.</param>
/// <param name="Leader">True when it runs the housekeeping.</param>
/// <param name="LeaderReplica">Who leads, when known.</param>
/// <param name="Revision">The revision its watched copy of the directory holds.</param>
/// <param name="Store">Its store, as opened.</param>
/// <param name="Watchers">Watch streams open on it.</param>
/// <param name="Failovers">Standbys it activated as leader.</param>
/// <param name="Settled">Migrations it settled as leader.</param>
/// <param name="LoopFailures">Failures of its background loops, each restarted.</param>
public sealed record NvaStatus(string Replica, bool Leader, string? LeaderReplica, long Revision, string Store, int Watchers, long Failovers, long Settled, long LoopFailures);
