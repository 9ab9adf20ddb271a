namespace Nvo3.Qemu.Qmp;

/// <summary>The migration capabilities Nvo3 uses, by QEMU's names (query-migrate-capabilities lists all).</summary>
public static class MigrationCapability
{
    /// <summary>Send MIGRATION and MIGRATION_PASS events.</summary>
    public const string Events = "events";
    /// <summary>Stop in state pre-switchover, guest paused, until migrate-continue: the moment to redirect the network and finish block jobs.</summary>
    public const string PauseBeforeSwitchover = "pause-before-switchover";
    /// <summary>Throttle the guest's CPUs when memory is dirtied faster than it is sent.</summary>
    public const string AutoConverge = "auto-converge";
    /// <summary>Send only the changed bytes of pages sent before.</summary>
    public const string Xbzrle = "xbzrle";
    /// <summary>Several connections in parallel.</summary>
    public const string Multifd = "multifd";
    /// <summary>A channel back from the destination (needed by postcopy, and so a destination's failure is seen).</summary>
    public const string ReturnPath = "return-path";
    /// <summary>Switch to running at the destination and fetch the rest on demand.</summary>
    public const string PostcopyRam = "postcopy-ram";
}
