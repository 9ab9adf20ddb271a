namespace Nvo3.Nva.Storage.Sqlite;

/// <summary>Settings of a <see cref="SqliteStore"/>.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>
    /// How many revisions of change log the store keeps for watches (default 100 000). Older
    /// revisions are compacted automatically, in steps of at most a tenth of this (capped at 1 000),
    /// so the log always holds at least this many; a watch from further back resyncs.
    /// </summary>
    public int KeepRevisions { get; init; } = 100_000;

    /// <summary>
    /// The most commits the writer puts into one SQLite transaction (one fsync) when they are
    /// waiting together (default 512). Each still gets its own revision and outcome.
    /// </summary>
    public int MaxBatch { get; init; } = 512;
}
