namespace Nvo3.Qemu.Qmp;

/// <summary>
/// What <c>query-status</c> says: QEMU's run state (running, paused, prelaunch, inmigrate,
/// postmigrate, finish-migrate, shutdown…) and whether the guest's CPUs run.
/// </summary>
/// <param name="Status">The run state, as QEMU names it.</param>
/// <param name="Running">True when the guest's CPUs run.</param>
public sealed record QemuRunStatus(string Status, bool Running)
{
    /// <summary>The guest runs.</summary>
    public const string RunningState = "running";
    /// <summary>A migration source after it handed the guest over.</summary>
    public const string PostMigrate = "postmigrate";
    /// <summary>A destination started with -incoming, waiting for the state.</summary>
    public const string InMigrate = "inmigrate";
    /// <summary>Stopped by <c>stop</c> (or a cold move's destination before <c>cont</c>).</summary>
    public const string Paused = "paused";
    /// <summary>Started with -S and not yet continued.</summary>
    public const string Prelaunch = "prelaunch";
}
