namespace Nvo3.Migration;

/// <summary>Where a workload stands at one agent.</summary>
public enum WorkloadState
{
    /// <summary>Executing: its activity may change memory, disk and device state.</summary>
    Running,
    /// <summary>Not executing; nothing changes it. An incoming copy waits here until it is activated.</summary>
    Paused,
    /// <summary>
    /// A standby copy (warm or hot standby): not executing, kept up to date from the primary's
    /// checkpoints or replicated writes, ready to be activated on failover.
    /// </summary>
    Standby,
    /// <summary>Gone for good from this agent: handed over to another, discarded, or its host was stopped. It never runs again.</summary>
    Stopped,
}
