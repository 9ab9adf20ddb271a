using System.Text.Json;

namespace Nvo3.Qemu.Qmp;

/// <summary>
/// What <c>query-migrate</c> says, flattened: the status and QEMU's own figures. Times are
/// milliseconds; a figure QEMU did not report (it reports each only in some states) is null.
/// </summary>
public sealed record MigrationInfo
{
    /// <summary>The state (<see cref="MigrationStatus"/>).</summary>
    public required string Status { get; init; }

    /// <summary>Time since the migration started, or its whole length once completed (total-time).</summary>
    public long? TotalTimeMs { get; init; }

    /// <summary>How long the guest was paused at the switchover (downtime), once completed.</summary>
    public long? DowntimeMs { get; init; }

    /// <summary>QEMU's estimate of the downtime while active (expected-downtime).</summary>
    public long? ExpectedDowntimeMs { get; init; }

    /// <summary>Time to set up before the first byte (setup-time).</summary>
    public long? SetupTimeMs { get; init; }

    /// <summary>Memory bytes sent so far (ram.transferred).</summary>
    public long? TransferredBytes { get; init; }

    /// <summary>Memory bytes still to send (ram.remaining).</summary>
    public long? RemainingBytes { get; init; }

    /// <summary>The guest's memory (ram.total).</summary>
    public long? TotalBytes { get; init; }

    /// <summary>Pages the guest dirties per second (ram.dirty-pages-rate).</summary>
    public long? DirtyPagesRate { get; init; }

    /// <summary>Passes over the dirty bitmap so far, i.e. pre-copy rounds (ram.dirty-sync-count).</summary>
    public long? Rounds { get; init; }

    /// <summary>The throughput QEMU measured, megabits per second (ram.mbps).</summary>
    public double? Mbps { get; init; }

    /// <summary>The guest's page size (ram.page-size).</summary>
    public long? PageSize { get; init; }

    /// <summary>The auto-converge throttle in force, percent (cpu-throttle-percentage).</summary>
    public long? CpuThrottlePercentage { get; init; }

    /// <summary>Why it failed (error-desc).</summary>
    public string? ErrorDescription { get; init; }

    /// <summary>Reads query-migrate's reply (an empty object means status none).</summary>
    public static MigrationInfo FromJson(JsonElement reply)
    {
        var ram = reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("ram", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        return new MigrationInfo
        {
            Status = JsonFields.String(reply, "status") ?? MigrationStatus.None,
            TotalTimeMs = JsonFields.Int64(reply, "total-time"),
            DowntimeMs = JsonFields.Int64(reply, "downtime"),
            ExpectedDowntimeMs = JsonFields.Int64(reply, "expected-downtime"),
            SetupTimeMs = JsonFields.Int64(reply, "setup-time"),
            CpuThrottlePercentage = JsonFields.Int64(reply, "cpu-throttle-percentage"),
            ErrorDescription = JsonFields.String(reply, "error-desc"),
            TransferredBytes = JsonFields.Int64(ram, "transferred"),
            RemainingBytes = JsonFields.Int64(ram, "remaining"),
            TotalBytes = JsonFields.Int64(ram, "total"),
            DirtyPagesRate = JsonFields.Int64(ram, "dirty-pages-rate"),
            Rounds = JsonFields.Int64(ram, "dirty-sync-count"),
            PageSize = JsonFields.Int64(ram, "page-size"),
            Mbps = JsonFields.Double(ram, "mbps"),
        };
    }
}
