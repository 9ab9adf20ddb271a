using Microsoft.Data.Sqlite;

namespace Nvo3.Nva.Storage.Sqlite;

public sealed partial class SqliteStore
{
    // SQLite result codes that tell the operator what to fix (https://sqlite.org/rescode.html).
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    /// <summary>
    /// Opens (or creates, with its parent folder) the store at <paramref name="path"/> and takes the
    /// file's writer lock.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty or names a folder.</exception>
    /// <exception cref="IOException">
    /// The path cannot be written, another process has the store open, or the file is not an Nvo3
    /// store (or is corrupt); the message says which and what to do.
    /// </exception>
    public static SqliteStore Open(string path, SqliteStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new SqliteStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KeepRevisions, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatch, 1, nameof(options));
        string fullPath;
        try
        {
            fullPath = System.IO.Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ArgumentException($"'{path}' is not a valid file path for sqlite:PATH: {e.Message}", nameof(path), e);
        }
        if (Directory.Exists(fullPath))
        {
            throw new ArgumentException($"sqlite:{path} names a folder; give the path of the database file, e.g. sqlite:{System.IO.Path.Combine(path, "nva.db")}.", nameof(path));
        }
        string folder = System.IO.Path.GetDirectoryName(fullPath)!;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the folder '{folder}' for the SQLite store: {e.Message} Choose a writable path for sqlite:PATH.", e);
        }

        var writerLock = TakeWriterLock(fullPath);
        SqliteConnection? connection = null;
        try
        {
            connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = fullPath,
                Mode = SqliteOpenMode.ReadWriteCreate,
                // Without pooling, disposing the store really closes the file.
                Pooling = false,
            }.ToString());
            connection.Open();
            var (revision, compacted) = Initialize(connection, fullPath);
            // A reader now, so that a file other processes cannot read fails here, not at the first read.
            Reader.Open(fullPath).Dispose();
            return new SqliteStore(fullPath, options, writerLock, connection, revision, compacted);
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            writerLock.Dispose();
            throw Explain(e, fullPath);
        }
        catch
        {
            connection?.Dispose();
            writerLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes an exclusive <c>flock</c> on <c>PATH.lock</c> (what <see cref="FileShare.None"/> does
    /// on Unix), which the kernel drops when the process ends however it ends. The file holds the
    /// owner's process id for whoever wonders who has it.
    /// </summary>
    private static FileStream TakeWriterLock(string fullPath)
    {
        string lockPath = fullPath + ".lock";
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            throw new IOException(
                $"The SQLite store '{fullPath}' is already open in another process (or another store in this one): it holds the writer lock " +
                $"'{lockPath}' (its process id is in that file). Only one process may write a sqlite: store; stop the other NVA, " +
                "give this one another file, or share the directory through etcd:URL instead.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the lock file '{lockPath}' beside the SQLite store: {e.Message} Choose a writable path for sqlite:PATH.", e);
        }
        try
        {
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId + "\n");
            stream.Write(pid);
            stream.Flush();
        }
        catch (IOException)
        {
            // The process id is a courtesy; the lock is what matters.
        }
        return stream;
    }

    /// <summary>
    /// True when the lock is held elsewhere: on Unix the HResult is flock's errno, EWOULDBLOCK (11 on
    /// Linux, 35 on the BSDs); on Windows ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION.
    /// </summary>
    private static bool IsSharingViolation(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35;

    /// <summary>Sets the durability pragmas, creates or checks the schema, and reads the revisions.</summary>
    private static (long Revision, long Compacted) Initialize(SqliteConnection connection, string fullPath)
    {
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode=WAL";
            var mode = command.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new IOException($"SQLite could not put '{fullPath}' in WAL mode (it stayed in '{mode}'); use a local file system for sqlite:PATH.");
            }
            // FULL: a WAL commit is fsynced before it is acknowledged; NORMAL could lose the last
            // commits on a power cut.
            command.CommandText = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;";
            command.ExecuteNonQuery();
        }

        using var tx = connection.BeginTransaction(deferred: false);
        var tables = new HashSet<string>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }
        if (tables.Count > 0 && !tables.Contains("meta"))
        {
            throw new IOException($"'{fullPath}' is an SQLite database but not an Nvo3 store (it has tables {string.Join(", ", tables.Order(StringComparer.Ordinal))}); give sqlite: a new or an Nvo3 file.");
        }
        long revision;
        long compacted;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = Schema;
            command.ExecuteNonQuery();
            command.CommandText = "SELECT name, value FROM meta";
            var meta = new Dictionary<string, long>(StringComparer.Ordinal);
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    meta[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
            if (meta.GetValueOrDefault(MetaFormat) != FormatVersion)
            {
                throw new IOException($"'{fullPath}' is an Nvo3 store of format {meta.GetValueOrDefault(MetaFormat)}, and this build reads format {FormatVersion}; open it with the version of nvo3 that wrote it.");
            }
            revision = meta.GetValueOrDefault(MetaRevision);
            compacted = meta.GetValueOrDefault(MetaCompacted);
        }
        tx.Commit();
        return (revision, compacted);
    }

    private static IOException Explain(SqliteException e, string fullPath) => e.SqliteErrorCode switch
    {
        SqliteNotADatabase or SqliteCorrupt => new IOException(
            $"'{fullPath}' is not an SQLite database or is corrupt ({e.Message}). Move it aside (or restore a backup) and open sqlite:PATH again, or give another path.", e),
        SqliteCantOpen or SqliteReadOnly => new IOException(
            $"SQLite cannot open '{fullPath}' for writing ({e.Message}). Choose a writable path for sqlite:PATH.", e),
        SqliteFull => new IOException($"The disk that holds '{fullPath}' is full ({e.Message}); free space and open it again.", e),
        SqliteIoError => new IOException($"SQLite could not read or write '{fullPath}' ({e.Message}); check the disk and the file system.", e),
        _ => new IOException($"SQLite could not open '{fullPath}': {e.Message}", e),
    };
}
