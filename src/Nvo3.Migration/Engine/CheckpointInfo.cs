namespace Nvo3.Migration;

/// <summary>A complete, consistent state that a standby holds (or that a primary sent).</summary>
/// <param name="Sequence">0 for the initial synchronisation, then 1, 2, …</param>
/// <param name="Hash">The state hash at that instant (0 when not verified).</param>
/// <param name="TakenAt">When it was taken (a <see cref="TimeProvider"/> timestamp).</param>
/// <param name="Verified">True when both sides' hashes matched.</param>
public sealed record CheckpointInfo(ulong Sequence, StateHash Hash, long TakenAt, bool Verified);
