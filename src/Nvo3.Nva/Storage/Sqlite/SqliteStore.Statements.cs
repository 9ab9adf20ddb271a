using Microsoft.Data.Sqlite;

namespace Nvo3.Nva.Storage.Sqlite;

public sealed partial class SqliteStore
{
    private const string MetaFormat = "format";
    private const string MetaRevision = "revision";
    private const string MetaCompacted = "compacted";

    /// <summary>The schema version this code writes; a file with another one is refused.</summary>
    private const long FormatVersion = 1;

    // BLOB keys would sort the same, but TEXT keeps the file readable with the sqlite3 shell. The
    // BINARY collation compares UTF-8 bytes, the order etcd uses.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta (
            name  TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS kv (
            key        TEXT PRIMARY KEY,
            value      BLOB NOT NULL,
            create_rev INTEGER NOT NULL,
            mod_rev    INTEGER NOT NULL,
            version    INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS changes (
            rev   INTEGER NOT NULL,
            seq   INTEGER NOT NULL,
            key   TEXT NOT NULL,
            value BLOB,
            PRIMARY KEY (rev, seq)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO meta (name, value) VALUES ('format', 1), ('revision', 0), ('compacted', 0);
        """;

    /// <summary>
    /// The prepared statements of the one connection. Owned by the store and disposed with it; used
    /// only under the store's lock.
    /// </summary>
    private sealed class Statements : IDisposable
    {
        public Statements(SqliteConnection connection)
        {
            Get = Prepare(connection, "SELECT key, value, create_rev, mod_rev, version FROM kv WHERE key = $key", "$key");
            List = Prepare(connection, "SELECT key, value, create_rev, mod_rev, version FROM kv WHERE key >= $prefix ORDER BY key", "$prefix");
            ModRevision = Prepare(connection, "SELECT mod_rev FROM kv WHERE key = $key", "$key");
            Upsert = Prepare(connection, """
                INSERT INTO kv (key, value, create_rev, mod_rev, version) VALUES ($key, $value, $rev, $rev, 1)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev, version = version + 1
                """, "$key", "$value", "$rev");
            Delete = Prepare(connection, "DELETE FROM kv WHERE key = $key", "$key");
            AppendChange = Prepare(connection, "INSERT INTO changes (rev, seq, key, value) VALUES ($rev, $seq, $key, $value)", "$rev", "$seq", "$key", "$value");
            ReadChanges = Prepare(connection, "SELECT rev, key, value FROM changes WHERE rev >= $from AND rev <= $to ORDER BY rev, seq", "$from", "$to");
            SetMeta = Prepare(connection, "UPDATE meta SET value = $value WHERE name = $name", "$name", "$value");
            TrimLog = Prepare(connection, "DELETE FROM changes WHERE rev <= $rev", "$rev");
        }

        public SqliteCommand Get { get; }
        public SqliteCommand List { get; }
        public SqliteCommand ModRevision { get; }
        public SqliteCommand Upsert { get; }
        public SqliteCommand Delete { get; }
        public SqliteCommand AppendChange { get; }
        public SqliteCommand ReadChanges { get; }
        public SqliteCommand SetMeta { get; }
        public SqliteCommand TrimLog { get; }

        public void Dispose()
        {
            Get.Dispose();
            List.Dispose();
            ModRevision.Dispose();
            Upsert.Dispose();
            Delete.Dispose();
            AppendChange.Dispose();
            ReadChanges.Dispose();
            SetMeta.Dispose();
            TrimLog.Dispose();
        }

        private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            return command;
        }
    }
}
