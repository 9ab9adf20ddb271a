using Microsoft.Data.Sqlite;

namespace Nvo3.Nva.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>
    /// A reading connection with its prepared statements. WAL lets it read the last committed
    /// state while the writer writes. Used by one caller at a time (the store's pool hands it
    /// out); disposed by the pool.
    /// </summary>
    private sealed class Reader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _get;
        private readonly SqliteCommand _list;
        private readonly SqliteCommand _meta;
        private readonly SqliteCommand _changes;

        private Reader(SqliteConnection connection)
        {
            _connection = connection;
            _get = Prepare(connection, "SELECT key, value, create_rev, mod_rev, version FROM kv WHERE key = $key", "$key");
            _list = Prepare(connection, "SELECT key, value, create_rev, mod_rev, version FROM kv WHERE key >= $prefix ORDER BY key", "$prefix");
            _meta = Prepare(connection, "SELECT value FROM meta WHERE name = $name", "$name");
            _changes = Prepare(connection, "SELECT rev, key, value FROM changes WHERE rev >= $from AND rev <= $to ORDER BY rev, seq", "$from", "$to");
        }

        public static Reader Open(string path)
        {
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWrite,
                Pooling = false,
            }.ToString());
            try
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA busy_timeout=5000; PRAGMA query_only=1;";
                command.ExecuteNonQuery();
                return new Reader(connection);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        public StoreEntry? Get(string key)
        {
            _get.Transaction = null;
            _get.Parameters["$key"].Value = key;
            using var reader = _get.ExecuteReader();
            return reader.Read() ? ReadEntry(reader) : null;
        }

        // The rows and the revision in one read transaction: the revision is the one they are at.
        public StoreRange List(string prefix)
        {
            using var tx = _connection.BeginTransaction(deferred: true);
            long revision = Meta(tx, MetaRevision);
            var entries = new List<StoreEntry>();
            _list.Transaction = tx;
            _list.Parameters["$prefix"].Value = prefix;
            using (var reader = _list.ExecuteReader())
            {
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
            }
            tx.Commit();
            return new StoreRange(entries, revision);
        }

        /// <summary>The log's batches for revisions <paramref name="from"/> to <paramref name="to"/> under <paramref name="prefix"/>.</summary>
        public List<IReadOnlyList<StoreEvent>> Changes(long from, long to, string prefix)
        {
            using var tx = _connection.BeginTransaction(deferred: true);
            long compacted = Meta(tx, MetaCompacted);
            if (from <= compacted)
            {
                throw new RevisionCompactedException(from, compacted);
            }
            var batches = new List<IReadOnlyList<StoreEvent>>();
            _changes.Transaction = tx;
            _changes.Parameters["$from"].Value = from;
            _changes.Parameters["$to"].Value = to;
            using (var reader = _changes.ExecuteReader())
            {
                List<StoreEvent>? batch = null;
                while (reader.Read())
                {
                    long revision = reader.GetInt64(0);
                    string key = reader.GetString(1);
                    if (!key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        continue;
                    }
                    var e = reader.IsDBNull(2)
                        ? new StoreEvent(StoreEventKind.Delete, key, null, revision)
                        : new StoreEvent(StoreEventKind.Put, key, reader.GetFieldValue<byte[]>(2), revision);
                    if (batch is null || batch[0].Revision != revision)
                    {
                        batch = [];
                        batches.Add(batch);
                    }
                    batch.Add(e);
                }
            }
            tx.Commit();
            return batches;
        }

        public void Dispose()
        {
            _get.Dispose();
            _list.Dispose();
            _meta.Dispose();
            _changes.Dispose();
            _connection.Dispose();
        }

        private long Meta(SqliteTransaction tx, string name)
        {
            _meta.Transaction = tx;
            _meta.Parameters["$name"].Value = name;
            return _meta.ExecuteScalar() is long value ? value : 0;
        }

        private static StoreEntry ReadEntry(SqliteDataReader reader) =>
            new(reader.GetString(0), reader.IsDBNull(1) ? [] : reader.GetFieldValue<byte[]>(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }
}
