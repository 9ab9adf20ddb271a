namespace Nvo3.Migration;

/// <summary>
/// What the network does at each step of a move: the engine calls these at the right moments
/// and the network side (NVA, NVEs) implements them. For a hot move the order is
/// <see cref="PrepareAsync"/> (before any state moves: record the migration, pre-associate the
/// destination, tell the old NVE the new one's address), pre-copy,
/// <see cref="PausedAsync"/> (the source just paused: activate the redirect; it runs while the
/// rest of the state is sent), <see cref="ResumedAsync"/> (the destination runs: it announces,
/// the new NVE activates, the NVA pushes), then <see cref="CompletedAsync"/>; or, on any failure
/// before the activation, <see cref="AbortedAsync"/> after the workload resumed at the source.
/// </summary>
/// <remarks>
/// A hook that throws before the activation aborts the move (its message becomes the reason;
/// throw <see cref="MigrationAbortException"/> to say so on purpose). After the activation the
/// destination is authoritative: a failing <see cref="ResumedAsync"/> or
/// <see cref="CompletedAsync"/> is recorded in <see cref="MigrationResult.HookFailures"/> and the
/// move still completes. Hooks may take time; it counts in the figures of the step they run in.
/// </remarks>
public interface IMigrationHooks
{
    /// <summary>Before any state moves; the destination agent accepted.</summary>
    ValueTask PrepareAsync(MigrationContext migration, CancellationToken cancellationToken);

    /// <summary>The source paused (hot, cold) or stopped (warm and hot-standby failover): packets in flight go to the destination from now.</summary>
    ValueTask PausedAsync(MigrationContext migration, CancellationToken cancellationToken);

    /// <summary>The destination runs the workload.</summary>
    ValueTask ResumedAsync(MigrationContext migration, CancellationToken cancellationToken);

    /// <summary>The move completed, with its figures.</summary>
    ValueTask CompletedAsync(MigrationContext migration, MigrationResult result, CancellationToken cancellationToken);

    /// <summary>The move was given up; the workload runs at the source again (or, with no source left, nowhere new).</summary>
    ValueTask AbortedAsync(MigrationContext migration, string reason, CancellationToken cancellationToken);
}
