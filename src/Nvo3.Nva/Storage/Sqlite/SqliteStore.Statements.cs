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
    /// The prepared statements of the writing connection. Owned by the writer thread, which alone
    /// uses them and disposes them with the connection.
    /// </summary>
    private sealed class WriterStatements : IDisposable
    {
        private readonly SqliteCommand _modRevision;
        private readonly SqliteCommand _upsert;
        private readonly SqliteCommand _delete;
        private readonly SqliteCommand _appendChange;
        private readonly SqliteCommand _setMeta;
        private readonly SqliteCommand _trimLog;

        public WriterStatements(SqliteConnection connection)
        {
            Connection = connection;
            _modRevision = Prepare(connection, "SELECT mod_rev FROM kv WHERE key = $key", "$key");
            _upsert = Prepare(connection, """
                INSERT INTO kv (key, value, create_rev, mod_rev, version) VALUES ($key, $value, $rev, $rev, 1)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev, version = version + 1
                """, "$key", "$value", "$rev");
            _delete = Prepare(connection, "DELETE FROM kv WHERE key = $key", "$key");
            _appendChange = Prepare(connection, "INSERT INTO changes (rev, seq, key, value) VALUES ($rev, $seq, $key, $value)", "$rev", "$seq", "$key", "$value");
            _setMeta = Prepare(connection, "UPDATE meta SET value = $value WHERE name = $name", "$name", "$value");
            _trimLog = Prepare(connection, "DELETE FROM changes WHERE rev <= $rev", "$rev");
        }

        public SqliteConnection Connection { get; }

        public long ModRevision(SqliteTransaction tx, string key) =>
            Run(_modRevision, tx, c => c.Parameters["$key"].Value = key).ExecuteScalar() is long modRevision ? modRevision : 0;

        public void Upsert(SqliteTransaction tx, string key, byte[] value, long revision) =>
            Run(_upsert, tx, c =>
            {
                c.Parameters["$key"].Value = key;
                c.Parameters["$value"].Value = value;
                c.Parameters["$rev"].Value = revision;
            }).ExecuteNonQuery();

        public bool Delete(SqliteTransaction tx, string key) => Run(_delete, tx, c => c.Parameters["$key"].Value = key).ExecuteNonQuery() > 0;

        public void AppendChange(SqliteTransaction tx, long revision, int sequence, StoreEvent e) =>
            Run(_appendChange, tx, c =>
            {
                c.Parameters["$rev"].Value = revision;
                c.Parameters["$seq"].Value = sequence;
                c.Parameters["$key"].Value = e.Key;
                c.Parameters["$value"].Value = (object?)e.Value ?? DBNull.Value;
            }).ExecuteNonQuery();

        public void SetMeta(SqliteTransaction tx, string name, long value) =>
            Run(_setMeta, tx, c =>
            {
                c.Parameters["$name"].Value = name;
                c.Parameters["$value"].Value = value;
            }).ExecuteNonQuery();

        public void TrimLog(SqliteTransaction tx, long upTo) => Run(_trimLog, tx, c => c.Parameters["$rev"].Value = upTo).ExecuteNonQuery();

        public void Dispose()
        {
            _modRevision.Dispose();
            _upsert.Dispose();
            _delete.Dispose();
            _appendChange.Dispose();
            _setMeta.Dispose();
            _trimLog.Dispose();
        }

        private static SqliteCommand Run(SqliteCommand command, SqliteTransaction tx, Action<SqliteCommand> bind)
        {
            command.Transaction = tx;
            bind(command);
            return command;
        }
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
