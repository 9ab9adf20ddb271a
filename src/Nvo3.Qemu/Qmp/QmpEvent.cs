using System.Text.Json;

namespace Nvo3.Qemu.Qmp;

/// <summary>
/// An asynchronous event QEMU sent: <c>{"event": NAME, "data": {…}, "timestamp": {…}}</c>.
/// <see cref="Sequence"/> numbers the events of one connection from 1 in arrival order.
/// </summary>
/// <param name="Name">The event, e.g. MIGRATION, STOP, RESUME, SHUTDOWN, MIGRATION_PASS, BLOCK_JOB_READY.</param>
/// <param name="Data">Its data (an empty object when it has none); detached from the connection's buffers.</param>
/// <param name="Timestamp">When QEMU says it happened (null when it did not say).</param>
/// <param name="Sequence">Its place among this connection's events.</param>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset? Timestamp, long Sequence)
{
    /// <summary>MIGRATION: the migration changed status (data.status).</summary>
    public const string Migration = "MIGRATION";
    /// <summary>MIGRATION_PASS: a new pass over the dirty memory began (data.pass).</summary>
    public const string MigrationPass = "MIGRATION_PASS";
    /// <summary>STOP: the guest's CPUs stopped.</summary>
    public const string Stop = "STOP";
    /// <summary>RESUME: the guest's CPUs run again.</summary>
    public const string Resume = "RESUME";
    /// <summary>SHUTDOWN: QEMU is shutting down (data.reason).</summary>
    public const string Shutdown = "SHUTDOWN";
    /// <summary>BLOCK_JOB_READY: a mirror has copied everything and follows the writes.</summary>
    public const string BlockJobReady = "BLOCK_JOB_READY";
    /// <summary>BLOCK_JOB_COMPLETED: a block job ended (data.error when it failed).</summary>
    public const string BlockJobCompleted = "BLOCK_JOB_COMPLETED";
    /// <summary>BLOCK_JOB_CANCELLED: a block job was cancelled before it was in sync.</summary>
    public const string BlockJobCancelled = "BLOCK_JOB_CANCELLED";
    /// <summary>BLOCK_JOB_ERROR: a block job met an I/O error.</summary>
    public const string BlockJobError = "BLOCK_JOB_ERROR";

    /// <summary>The string member <paramref name="name"/> of <see cref="Data"/>, or null.</summary>
    public string? DataString(string name) => JsonFields.String(Data, name);

    /// <summary>The integer member <paramref name="name"/> of <see cref="Data"/>, or null.</summary>
    public long? DataInt64(string name) => JsonFields.Int64(Data, name);

    /// <summary>For MIGRATION events: the status, e.g. active, pre-switchover, completed.</summary>
    public string? MigrationStatus => Name == Migration ? DataString("status") : null;
}
