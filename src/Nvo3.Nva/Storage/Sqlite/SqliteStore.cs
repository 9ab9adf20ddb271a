using Microsoft.Data.Sqlite;

namespace Nvo3.Nva.Storage.Sqlite;

/// <summary>
/// The embedded durable store (<c>sqlite:PATH</c>): one SQLite file in WAL mode with
/// <c>synchronous=FULL</c>, so that every acknowledged commit has reached the disk and survives a
/// kill -9 of the process or a power cut. Tables: <c>kv</c> (the current keys with their create
/// and mod revisions and version), <c>changes</c> (the change log that watches replay, one row per
/// event, keyed by revision) and <c>meta</c> (the store revision and the compacted revision).
/// </summary>
/// <remarks>
/// <para>
/// <b>One writer.</b> Exactly one process may open a given file: the store serves watches from
/// in-process notifications after each commit, which another process's commits would bypass. It
/// enforces this with an exclusive advisory lock (<c>flock</c>) on <c>PATH.lock</c>, held until
/// <see cref="DisposeAsync"/> or the end of the process (the kernel releases it even after kill -9,
/// so a crashed NVA never leaves a stale lock). A second opener gets an <see cref="IOException"/>
/// that says so. Read-only tools such as the <c>sqlite3</c> shell may still read the file. Several
/// NVAs that share one directory use <c>etcd:</c> instead.
/// </para>
/// <para>
/// Every commit is one SQLite transaction begun with <c>BEGIN IMMEDIATE</c>; its compares are
/// evaluated inside it. One lock serializes the connection, so reads see a consistent revision.
/// The change log is compacted automatically to keep the last
/// <see cref="SqliteStoreOptions.KeepRevisions"/> revisions.
/// </para>
/// </remarks>
public sealed partial class SqliteStore : IDirectoryStore
{
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly SqliteStoreOptions _options;
    private readonly FileStream _writerLock;
    private readonly SqliteConnection _connection;
    private readonly Statements _sql;
    private readonly List<PrefixWatcher> _watchers = [];
    private long _revision;
    private long _compacted;
    private bool _disposed;

    private SqliteStore(string path, SqliteStoreOptions options, FileStream writerLock, SqliteConnection connection, long revision, long compacted)
    {
        _path = path;
        _options = options;
        _writerLock = writerLock;
        _connection = connection;
        _sql = new Statements(connection);
        _revision = revision;
        _compacted = compacted;
    }

    /// <inheritdoc />
    public string Description => "sqlite:" + _path;

    /// <summary>The full path of the database file.</summary>
    public string Path => _path;

    /// <inheritdoc />
    public ValueTask<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ThrowIfDisposed();
            var command = _sql.Get;
            command.Transaction = null;
            command.Parameters["$key"].Value = key;
            using var reader = command.ExecuteReader();
            return ValueTask.FromResult(reader.Read() ? ReadEntry(reader) : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreRange> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ThrowIfDisposed();
            var entries = new List<StoreEntry>();
            var command = _sql.List;
            command.Transaction = null;
            command.Parameters["$prefix"].Value = prefix;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                // Keys sort by their UTF-8 bytes, so the keys under a prefix are one run from it.
                var entry = ReadEntry(reader);
                if (!entry.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    break;
                }
                entries.Add(entry);
            }
            return ValueTask.FromResult(new StoreRange(entries, _revision));
        }
    }

    /// <inheritdoc />
    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return ValueTask.FromResult(_revision);
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreCommit> CommitAsync(StoreTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ThrowIfDisposed();
            // Disposing the transaction without Commit rolls it back: every early return below
            // leaves the file as it was.
            using var tx = _connection.BeginTransaction(deferred: false);
            foreach (var compare in transaction.Compares)
            {
                if (ReadModRevision(tx, compare.Key) != compare.ModRevision)
                {
                    return ValueTask.FromResult(new StoreCommit(false, _revision));
                }
            }
            long revision = _revision + 1;
            var events = new List<StoreEvent>(transaction.Operations.Count);
            foreach (var op in transaction.Operations)
            {
                if (op.Value is { } value)
                {
                    Upsert(tx, op.Key, value, revision);
                    events.Add(new StoreEvent(StoreEventKind.Put, op.Key, value, revision));
                }
                else if (Delete(tx, op.Key))
                {
                    events.Add(new StoreEvent(StoreEventKind.Delete, op.Key, null, revision));
                }
            }
            if (events.Count == 0)
            {
                // Nothing changed (no operations, or deletes of absent keys): like etcd, no revision.
                return ValueTask.FromResult(new StoreCommit(true, _revision));
            }
            for (int i = 0; i < events.Count; i++)
            {
                AppendChange(tx, revision, i, events[i]);
            }
            SetMeta(tx, MetaRevision, revision);
            long compacted = _compacted;
            if (revision - compacted > _options.KeepRevisions + CompactionStep)
            {
                compacted = revision - _options.KeepRevisions;
                TrimLog(tx, compacted);
            }
            tx.Commit();
            _revision = revision;
            _compacted = compacted;
            foreach (var watcher in _watchers)
            {
                watcher.Offer(events);
            }
            return ValueTask.FromResult(new StoreCommit(true, revision));
        }
    }

    /// <inheritdoc />
    public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ThrowIfDisposed();
            revision = Math.Min(revision, _revision);
            if (revision > _compacted)
            {
                using var tx = _connection.BeginTransaction(deferred: false);
                TrimLog(tx, revision);
                tx.Commit();
                _compacted = revision;
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Closes the file, ends every watch and releases the writer lock.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }
            _disposed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Channel.Writer.TryComplete();
            }
            _watchers.Clear();
            _sql.Dispose();
            _connection.Dispose();
            // Last: only once the file is closed may another process take it over.
            _writerLock.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>How far past <see cref="SqliteStoreOptions.KeepRevisions"/> the log may grow before a trim, so trims are batched.</summary>
    private int CompactionStep => Math.Clamp(_options.KeepRevisions / 10, 1, 1000);

    private long ReadModRevision(SqliteTransaction tx, string key)
    {
        var command = _sql.ModRevision;
        command.Transaction = tx;
        command.Parameters["$key"].Value = key;
        return command.ExecuteScalar() is long modRevision ? modRevision : 0;
    }

    private void Upsert(SqliteTransaction tx, string key, byte[] value, long revision)
    {
        var command = _sql.Upsert;
        command.Transaction = tx;
        command.Parameters["$key"].Value = key;
        command.Parameters["$value"].Value = value;
        command.Parameters["$rev"].Value = revision;
        command.ExecuteNonQuery();
    }

    private bool Delete(SqliteTransaction tx, string key)
    {
        var command = _sql.Delete;
        command.Transaction = tx;
        command.Parameters["$key"].Value = key;
        return command.ExecuteNonQuery() > 0;
    }

    private void AppendChange(SqliteTransaction tx, long revision, int sequence, StoreEvent e)
    {
        var command = _sql.AppendChange;
        command.Transaction = tx;
        command.Parameters["$rev"].Value = revision;
        command.Parameters["$seq"].Value = sequence;
        command.Parameters["$key"].Value = e.Key;
        command.Parameters["$value"].Value = (object?)e.Value ?? DBNull.Value;
        command.ExecuteNonQuery();
    }

    private void SetMeta(SqliteTransaction tx, string name, long value)
    {
        var command = _sql.SetMeta;
        command.Transaction = tx;
        command.Parameters["$name"].Value = name;
        command.Parameters["$value"].Value = value;
        command.ExecuteNonQuery();
    }

    private void TrimLog(SqliteTransaction tx, long upTo)
    {
        var command = _sql.TrimLog;
        command.Transaction = tx;
        command.Parameters["$rev"].Value = upTo;
        command.ExecuteNonQuery();
        SetMeta(tx, MetaCompacted, upTo);
    }

    private static StoreEntry ReadEntry(SqliteDataReader reader) =>
        new(reader.GetString(0), ReadBlob(reader, 1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));

    private static byte[] ReadBlob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
