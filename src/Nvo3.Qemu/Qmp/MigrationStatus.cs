namespace Nvo3.Qemu.Qmp;

/// <summary>The migration states QEMU reports (query-migrate's status, the MIGRATION event), by QEMU's names.</summary>
public static class MigrationStatus
{
    /// <summary>No migration has run.</summary>
    public const string None = "none";
    /// <summary>Connecting and preparing.</summary>
    public const string Setup = "setup";
    /// <summary>Copying memory while the guest runs (or a destination receiving).</summary>
    public const string Active = "active";
    /// <summary>Paused before the switchover (pause-before-switchover); migrate-continue goes on.</summary>
    public const string PreSwitchover = "pre-switchover";
    /// <summary>Sending the device state, guest paused.</summary>
    public const string Device = "device";
    /// <summary>Done: the destination has everything.</summary>
    public const string Completed = "completed";
    /// <summary>Failed; the source guest keeps running (or resumes).</summary>
    public const string Failed = "failed";
    /// <summary>migrate_cancel was asked and is taking effect.</summary>
    public const string Cancelling = "cancelling";
    /// <summary>Cancelled; the source guest keeps running.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>True for a state a migration never leaves.</summary>
    public static bool IsFinal(string status) => status is Completed or Failed or Cancelled;
}
