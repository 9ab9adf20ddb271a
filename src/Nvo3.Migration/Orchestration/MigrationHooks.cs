namespace Nvo3.Migration;

/// <summary>Hooks that do nothing: derive and override the steps the network cares about.</summary>
public class MigrationHooks : IMigrationHooks
{
    /// <summary>Shared instance that does nothing.</summary>
    public static IMigrationHooks None { get; } = new MigrationHooks();

    /// <inheritdoc />
    public virtual ValueTask PrepareAsync(MigrationContext migration, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask PausedAsync(MigrationContext migration, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask ResumedAsync(MigrationContext migration, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask CompletedAsync(MigrationContext migration, MigrationResult result, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask AbortedAsync(MigrationContext migration, string reason, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
