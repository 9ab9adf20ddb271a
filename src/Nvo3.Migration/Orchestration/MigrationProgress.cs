namespace Nvo3.Migration;

/// <summary>A progress report, after each round and at each phase change.</summary>
/// <param name="Id">The migration.</param>
/// <param name="Phase">Where it stands.</param>
/// <param name="Round">The round just finished (or the checkpoint number).</param>
/// <param name="BytesSent">Every byte sent so far.</param>
/// <param name="DirtyBytes">Memory and disk bytes dirty now: what is left to send.</param>
/// <param name="DirtyRate">Bytes the workload dirtied per second during the last round.</param>
/// <param name="Bandwidth">Measured sending rate, bytes per second.</param>
/// <param name="Throttle">The workload's throttle.</param>
/// <param name="EstimatedRemaining">The dirty bytes over the bandwidth; null before the bandwidth is known.</param>
public sealed record MigrationProgress(Guid Id, MigrationPhase Phase, int Round, long BytesSent, long DirtyBytes, double DirtyRate, double Bandwidth, double Throttle, TimeSpan? EstimatedRemaining);
