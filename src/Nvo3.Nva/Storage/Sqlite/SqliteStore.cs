using System.Collections.Concurrent;
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
/// <b>Group commit.</b> One writer thread owns the writing connection. Commits queue up while it
/// writes; it takes every waiting commit (up to <see cref="SqliteStoreOptions.MaxBatch"/>) into one
/// SQLite transaction begun with <c>BEGIN IMMEDIATE</c>, evaluates each one's compares inside it
/// (so each sees the ones before it), gives each that changes something its own revision, and
/// commits once: one fsync for the batch. Only then is each caller answered and each watcher
/// told, in revision order. A failure of the SQLite transaction fails every commit of the batch,
/// and none of it is applied.
/// </para>
/// <para>
/// <b>Reads</b> run on a small pool of other connections, which WAL lets read while the writer
/// writes; a list reads its rows and the revision in one read transaction. The change log is
/// compacted automatically to keep the last <see cref="SqliteStoreOptions.KeepRevisions"/> revisions.
/// </para>
/// </remarks>
public sealed partial class SqliteStore : IDirectoryStore
{
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly SqliteStoreOptions _options;
    private readonly FileStream _writerLock;
    private readonly ConcurrentBag<Reader> _readers = [];
    private readonly List<PrefixWatcher> _watchers = [];
    private readonly BlockingCollection<WriteRequest> _queue = [];
    private readonly Thread _writer;
    private long _revision;
    private long _compacted;
    private bool _disposed;

    private SqliteStore(string path, SqliteStoreOptions options, FileStream writerLock, SqliteConnection connection, long revision, long compacted)
    {
        _path = path;
        _options = options;
        _writerLock = writerLock;
        _revision = revision;
        _compacted = compacted;
        _writer = new Thread(() => WriterLoop(connection)) { IsBackground = true, Name = "sqlite-writer" };
        _writer.Start();
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
        return ValueTask.FromResult(Read(reader => reader.Get(key)));
    }

    /// <inheritdoc />
    public ValueTask<StoreRange> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(reader => reader.List(prefix)));
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
    /// <remarks>
    /// Queued for the writer thread, which commits it with whatever else is waiting in one SQLite
    /// transaction. Cancellation is honoured only before the commit is queued: once queued, its
    /// outcome is awaited, so an acknowledged commit is never reported as cancelled.
    /// </remarks>
    public async ValueTask<StoreCommit> CommitAsync(StoreTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        cancellationToken.ThrowIfCancellationRequested();
        var request = new WriteRequest(transaction, null);
        Enqueue(request);
        return await request.Commit.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new WriteRequest(null, sql =>
        {
            long upTo;
            lock (_lock)
            {
                upTo = Math.Min(revision, _revision);
                if (upTo <= _compacted)
                {
                    return 0;
                }
            }
            using (var tx = sql.Connection.BeginTransaction(deferred: false))
            {
                sql.TrimLog(tx, upTo);
                sql.SetMeta(tx, MetaCompacted, upTo);
                tx.Commit();
            }
            lock (_lock)
            {
                _compacted = upTo;
            }
            return 0;
        });
        Enqueue(request);
        await request.Commit.Task.ConfigureAwait(false);
    }

    /// <summary>Reads a pragma on the writing connection (for tests: <c>synchronous</c> must be FULL, 2).</summary>
    internal async Task<long> ReadWriterPragmaAsync(string pragma)
    {
        var request = new WriteRequest(null, sql =>
        {
            using var command = sql.Connection.CreateCommand();
            command.CommandText = "PRAGMA " + pragma;
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        });
        Enqueue(request);
        return (await request.Commit.Task.ConfigureAwait(false)).Revision;
    }

    /// <summary>Finishes the queued commits, closes the file, ends every watch and releases the writer lock.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }
            _disposed = true;
            _queue.CompleteAdding();
            foreach (var watcher in _watchers)
            {
                watcher.Channel.Writer.TryComplete();
            }
            _watchers.Clear();
        }
        // The writer drains what was queued, then closes its connection.
        _writer.Join();
        lock (_lock)
        {
            while (_readers.TryTake(out var reader))
            {
                reader.Dispose();
            }
        }
        _queue.Dispose();
        // Last: only once the file is closed may another process take it over.
        _writerLock.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Enqueue(WriteRequest request)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            _queue.Add(request);
        }
    }

    // Runs one read on a pooled connection; the pool keeps a few for the next reads.
    private T Read<T>(Func<Reader, T> read)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
        }
        if (!_readers.TryTake(out var reader))
        {
            reader = Reader.Open(_path);
        }
        try
        {
            return read(reader);
        }
        catch (SqliteException e)
        {
            reader.Dispose();
            reader = null;
            throw Explain(e, _path);
        }
        finally
        {
            if (reader is not null)
            {
                Return(reader);
            }
        }
    }

    private void Return(Reader reader)
    {
        lock (_lock)
        {
            // Under the lock, so a store being disposed never gets a connection back after it emptied the pool.
            if (!_disposed && _readers.Count < MaxPooledReaders)
            {
                _readers.Add(reader);
                return;
            }
        }
        reader.Dispose();
    }

    private const int MaxPooledReaders = 8;

    /// <summary>How far past <see cref="SqliteStoreOptions.KeepRevisions"/> the log may grow before a trim, so trims are batched.</summary>
    private int CompactionStep => Math.Clamp(_options.KeepRevisions / 10, 1, 1000);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>
    /// A commit (<paramref name="Transaction"/>) or another piece of work on the writing connection
    /// (<paramref name="Work"/>, whose result comes back as the revision); answered through
    /// <see cref="Commit"/>, with continuations off the writer thread.
    /// </summary>
    private sealed record WriteRequest(StoreTransaction? Transaction, Func<WriterStatements, long>? Work)
    {
        public TaskCompletionSource<StoreCommit> Commit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
