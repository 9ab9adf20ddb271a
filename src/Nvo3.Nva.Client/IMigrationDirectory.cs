namespace Nvo3.Nva.Client;

/// <summary>
/// What a move asks of the directory: record it (the destination pre-associates), mark the
/// switchover, commit or abort it, and read where it stands. <see cref="NvaClient"/> implements it
/// over gRPC; an NVA's own process can implement it in place.
/// </summary>
public interface IMigrationDirectory
{
    /// <summary>Records a migration: the destination gets an Associated placement, the source a prepared redirect.</summary>
    Task<Migration> BeginMigrationAsync(BeginMigrationRequest request, CancellationToken cancellationToken = default);

    /// <summary>The workload paused at the source: its redirect forwards packets in flight.</summary>
    Task<Migration> PauseMigrationAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The destination is activated: the source is disassociated; the redirect runs out on its own.</summary>
    Task<Migration> CommitMigrationAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Gives the migration up before its switchover: the directory is as before.</summary>
    Task<Migration> AbortMigrationAsync(string id, string reason, CancellationToken cancellationToken = default);

    /// <summary>The migration's record.</summary>
    Task<Migration> GetMigrationAsync(string id, CancellationToken cancellationToken = default);
}
