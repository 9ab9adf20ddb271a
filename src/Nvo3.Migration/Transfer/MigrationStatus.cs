namespace Nvo3.Migration.Transfer;

/// <summary>What became of a migration, as its destination answers a <see cref="FrameType.Query"/>.</summary>
public enum MigrationStatus : byte
{
    /// <summary>This agent never heard of it (or forgot it).</summary>
    Unknown = 0,
    /// <summary>Still receiving, or waiting for the activation: ask again.</summary>
    InProgress = 1,
    /// <summary>Activated: the workload runs here. The source must never run it again.</summary>
    Running = 2,
    /// <summary>Discarded without ever running: the source may run it again.</summary>
    Discarded = 3,
    /// <summary>Held as a standby copy (warm or hot standby), not running.</summary>
    Standby = 4,
}
