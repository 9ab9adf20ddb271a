namespace Nvo3.Migration;

/// <summary>What a move measured and how it ended.</summary>
public sealed record MigrationResult
{
    /// <summary>The migration's id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The workload's name.</summary>
    public required string Workload { get; init; }

    /// <summary>Hot, warm, cold or hot standby.</summary>
    public required MigrationMode Mode { get; init; }

    /// <summary>Completed, aborted or in doubt.</summary>
    public required MigrationOutcome Outcome { get; init; }

    /// <summary>Why it aborted (or is in doubt); null when it completed.</summary>
    public string? Reason { get; init; }

    /// <summary>The workload's memory size.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>The workload's disk size.</summary>
    public long DiskBytes { get; init; }

    /// <summary>Page bytes sent (payload only), over all rounds.</summary>
    public long MemoryBytesSent { get; init; }

    /// <summary>Block bytes sent (payload only).</summary>
    public long DiskBytesSent { get; init; }

    /// <summary>Device-state bytes sent.</summary>
    public long DeviceBytesSent { get; init; }

    /// <summary>Every byte the source wrote to the connection, frame headers and indices included.</summary>
    public long BytesSent { get; init; }

    /// <summary>Pre-copy rounds (round 0 included; the final pass during the pause is not a round).</summary>
    public int Rounds { get; init; }

    /// <summary>Each round, then the final pass.</summary>
    public IReadOnlyList<RoundFigures> RoundFigures { get; init; } = [];

    /// <summary>Why pre-copy stopped.</summary>
    public SwitchoverReason Switchover { get; init; }

    /// <summary>The pause the engine predicted when it switched over: the bytes left over the measured bandwidth.</summary>
    public TimeSpan PredictedDowntime { get; init; }

    /// <summary>How long the workload was paused: from the pause at the source until the destination reported it running.</summary>
    public TimeSpan Downtime { get; init; }

    /// <summary>The part of <see cref="Downtime"/> spent hashing the state at the source for verification.</summary>
    public TimeSpan VerificationTime { get; init; }

    /// <summary>From the start to the end of the move.</summary>
    public TimeSpan TotalTime { get; init; }

    /// <summary>The sending rate measured at the switchover, bytes per second.</summary>
    public double Bandwidth { get; init; }

    /// <summary>The throttle auto-converge had reached.</summary>
    public double Throttle { get; init; }

    /// <summary>True when the destination's state hash equalled the source's (warm: the last checkpoint's).</summary>
    public bool StateVerified { get; init; }

    /// <summary>The source's state hash at the pause (warm: at the last checkpoint).</summary>
    public StateHash SourceHash { get; init; }

    /// <summary>The destination's state hash before it resumed.</summary>
    public StateHash DestinationHash { get; init; }

    /// <summary>Warm failover: how old the state the standby resumed from was.</summary>
    public TimeSpan StateAge { get; init; }

    /// <summary>Hooks that failed after the activation (they could no longer abort), with their errors.</summary>
    public IReadOnlyList<string> HookFailures { get; init; } = [];

    /// <summary>
    /// A completed move that carried no state of ours (a namespace that stays, a VM that is only a
    /// network stack, a task whose connections travel apart): its pause is the only figure.
    /// </summary>
    public static MigrationResult Stateless(string workload, MigrationMode mode, TimeSpan pause) => new()
    {
        Id = Guid.Empty,
        Workload = workload,
        Mode = mode,
        Outcome = MigrationOutcome.Completed,
        Downtime = pause,
        StateVerified = true, // nothing was copied, so nothing can differ
    };
}
