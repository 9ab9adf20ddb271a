using Microsoft.Data.Sqlite;

namespace Nvo3.Nva.Storage.Sqlite;

public sealed partial class SqliteStore
{
    // The writer thread: the only user of the writing connection, which it owns and closes when
    // the queue is completed and drained.
    private void WriterLoop(SqliteConnection connection)
    {
        using var statements = new WriterStatements(connection);
        var batch = new List<WriteRequest>(_options.MaxBatch);
        try
        {
            while (_queue.TryTake(out var request, Timeout.Infinite))
            {
                WriteRequest? after = null;
                if (request.Work is not null)
                {
                    RunWork(statements, request);
                    continue;
                }
                batch.Add(request);
                // Whatever queued up during the last fsync joins this transaction.
                while (batch.Count < _options.MaxBatch && _queue.TryTake(out var next))
                {
                    if (next.Work is not null)
                    {
                        after = next;
                        break;
                    }
                    batch.Add(next);
                }
                CommitBatch(statements, batch);
                batch.Clear();
                if (after is not null)
                {
                    RunWork(statements, after);
                }
            }
        }
        finally
        {
            connection.Dispose();
        }
    }

    private void RunWork(WriterStatements statements, WriteRequest request)
    {
        try
        {
            request.Commit.TrySetResult(new StoreCommit(true, request.Work!(statements)));
        }
        catch (SqliteException e)
        {
            request.Commit.TrySetException(Explain(e, _path));
        }
        catch (Exception e)
        {
            request.Commit.TrySetException(e);
        }
    }

    // One SQLite transaction, one fsync, for every commit of the batch; each commit gets its own
    // revision (when it changes something) and its own outcome.
    private void CommitBatch(WriterStatements sql, List<WriteRequest> batch)
    {
        long revision = _revision; // only this thread changes it
        long compacted = _compacted;
        var outcomes = new StoreCommit[batch.Count];
        var published = new List<IReadOnlyList<StoreEvent>>(batch.Count);
        try
        {
            using var tx = sql.Connection.BeginTransaction(deferred: false);
            for (int i = 0; i < batch.Count; i++)
            {
                var transaction = batch[i].Transaction!;
                if (!Holds(sql, tx, transaction))
                {
                    outcomes[i] = new StoreCommit(false, revision);
                    continue;
                }
                var events = Apply(sql, tx, transaction, revision + 1);
                if (events.Count == 0)
                {
                    // Nothing changed (no operations, or deletes of absent keys): like etcd, no revision.
                    outcomes[i] = new StoreCommit(true, revision);
                    continue;
                }
                revision++;
                outcomes[i] = new StoreCommit(true, revision);
                published.Add(events);
            }
            if (published.Count > 0)
            {
                sql.SetMeta(tx, MetaRevision, revision);
                if (revision - compacted > _options.KeepRevisions + CompactionStep)
                {
                    compacted = revision - _options.KeepRevisions;
                    sql.TrimLog(tx, compacted);
                    sql.SetMeta(tx, MetaCompacted, compacted);
                }
                tx.Commit();
            }
        }
        catch (Exception e)
        {
            // The SQLite transaction rolled back: none of the batch happened.
            var failure = e is SqliteException sqlite ? Explain(sqlite, _path) : e;
            foreach (var request in batch)
            {
                request.Commit.TrySetException(failure);
            }
            return;
        }
        lock (_lock)
        {
            _revision = revision;
            _compacted = compacted;
            foreach (var events in published)
            {
                foreach (var watcher in _watchers)
                {
                    watcher.Offer(events);
                }
            }
        }
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Commit.TrySetResult(outcomes[i]);
        }
    }

    private static bool Holds(WriterStatements sql, SqliteTransaction tx, StoreTransaction transaction)
    {
        foreach (var compare in transaction.Compares)
        {
            if (sql.ModRevision(tx, compare.Key) != compare.ModRevision)
            {
                return false;
            }
        }
        return true;
    }

    private static List<StoreEvent> Apply(WriterStatements sql, SqliteTransaction tx, StoreTransaction transaction, long revision)
    {
        var events = new List<StoreEvent>(transaction.Operations.Count);
        foreach (var op in transaction.Operations)
        {
            if (op.Value is { } value)
            {
                sql.Upsert(tx, op.Key, value, revision);
                events.Add(new StoreEvent(StoreEventKind.Put, op.Key, value, revision));
            }
            else if (sql.Delete(tx, op.Key))
            {
                events.Add(new StoreEvent(StoreEventKind.Delete, op.Key, null, revision));
            }
        }
        for (int i = 0; i < events.Count; i++)
        {
            sql.AppendChange(tx, revision, i, events[i]);
        }
        return events;
    }
}
