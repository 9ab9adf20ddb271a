using System.Diagnostics.Metrics;
using Nvo3.Nva;

namespace Nvo3.Migration;

/// <summary>
/// The state-transfer engine's instruments, on the process's <see cref="Meter"/> named
/// <see cref="MeterName"/>: recorded once per ended transfer at its source agent (never per unit
/// or per frame sent), tagged with the mode and the outcome.
/// </summary>
public static class MigrationMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Nvo3.Migration";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Counter<long> s_transfers = s_meter.CreateCounter<long>("nvo3.migration.transfers", "{transfer}",
        "State transfers ended at this source, by mode and outcome (completed, aborted, in_doubt).");
    private static readonly Counter<long> s_bytes = s_meter.CreateCounter<long>("nvo3.migration.bytes", "By",
        "Bytes of state sent, by mode and part (memory, disk, device).");
    private static readonly Counter<long> s_rounds = s_meter.CreateCounter<long>("nvo3.migration.rounds", "{round}",
        "Pre-copy rounds run, by mode.");

    internal static void Ended(MigrationResult result)
    {
        var mode = new KeyValuePair<string, object?>("mode", ModeName(result.Mode));
        s_transfers.Add(1, mode, new KeyValuePair<string, object?>("outcome", OutcomeName(result.Outcome)));
        s_bytes.Add(result.MemoryBytesSent, mode, new KeyValuePair<string, object?>("part", "memory"));
        s_bytes.Add(result.DiskBytesSent, mode, new KeyValuePair<string, object?>("part", "disk"));
        s_bytes.Add(result.DeviceBytesSent, mode, new KeyValuePair<string, object?>("part", "device"));
        s_rounds.Add(result.Rounds, mode);
    }

    /// <summary>Completed → completed, InDoubt → in_doubt: the label spelling of an outcome.</summary>
    public static string OutcomeName(MigrationOutcome outcome) => outcome switch
    {
        MigrationOutcome.Completed => "completed",
        MigrationOutcome.Aborted => "aborted",
        _ => "in_doubt",
    };

    /// <summary>Hot → hot, HotStandby → hot_standby: the label spelling of a mode.</summary>
    public static string ModeName(MigrationMode mode) => mode switch
    {
        MigrationMode.Hot => "hot",
        MigrationMode.Warm => "warm",
        MigrationMode.Cold => "cold",
        MigrationMode.HotStandby => "hot_standby",
        _ => "unknown",
    };
}
