using Nvo3.Migration;

namespace Nvo3.Mobility;

/// <summary>
/// What differs between kinds of workload in a move (emulated VMs on our engine, QEMU guests,
/// tasks in namespaces): readying the destination, moving the state, and giving up. The network
/// steps around them are the <see cref="Move"/>'s, the same for every kind.
/// </summary>
public interface IWorkloadDriver
{
    /// <summary>The kind, for reports: emulated, qemu, netns, task.</summary>
    string Kind { get; }

    /// <summary>
    /// Readies the destination after the directory recorded the move: the arriving instance and
    /// its port at the destination NVE (which pre-associates it).
    /// </summary>
    Task PrepareAsync(Move move, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the state and calls <see cref="Move.PauseAsync"/> at the switchover, the instant the
    /// source stops (after pre-copy for a hot move, at once for a cold one). Returns once the
    /// workload runs at the destination, or with the engine's outcome when it gave up (then the
    /// workload runs at the source). Throws when it failed before the switchover.
    /// </summary>
    Task<MigrationResult> TransferAsync(Move move, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken);

    /// <summary>The move is given up before the destination ran: the workload runs at the source again and the arriving instance goes.</summary>
    Task AbortAsync(Move move, string reason, CancellationToken cancellationToken);
}
