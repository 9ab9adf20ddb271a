using Nvo3.Migration;
using Nvo3.Nve;

namespace Nvo3.Lab;

/// <summary>
/// Drives the lab's NVA and NVEs through a move as the migration engine reaches each step
/// (DESIGN 7, "Orchestration of a hot move"): Prepare records the migration and pre-associates
/// the destination; Paused stops the VM's network side at the source (redirect, or for a stopped
/// task the suspend policy); Resumed runs it at the destination and waits for the activation;
/// Completed commits; Aborted puts everything back.
/// </summary>
public sealed class LabMigrationHooks(LabMove move, SuspendPolicy? suspend = null) : IMigrationHooks
{
    /// <summary>The steps it runs.</summary>
    public LabMove Move => move;

    /// <summary>Why the engine gave the move up, if it did.</summary>
    public string? AbortReason { get; private set; }

    /// <inheritdoc />
    public async ValueTask PrepareAsync(MigrationContext migration, CancellationToken cancellationToken) =>
        await move.BeginAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask PausedAsync(MigrationContext migration, CancellationToken cancellationToken)
    {
        move.Pause(suspend);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask ResumedAsync(MigrationContext migration, CancellationToken cancellationToken) =>
        await move.ResumeAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask CompletedAsync(MigrationContext migration, MigrationResult result, CancellationToken cancellationToken) =>
        await move.CommitAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask AbortedAsync(MigrationContext migration, string reason, CancellationToken cancellationToken)
    {
        AbortReason = reason;
        await move.AbortAsync(reason, cancellationToken).ConfigureAwait(false);
    }
}
