using Nvo3.Migration;

namespace Nvo3.Mobility;

/// <summary>How a move went: the directory's record, the driver's figures, and the network's times (the move's own clock).</summary>
public sealed record MoveReport
{
    /// <summary>What moved.</summary>
    public required MoveRequest Request { get; init; }

    /// <summary>The kind of workload.</summary>
    public required string Kind { get; init; }

    /// <summary>Completed, aborted (the workload runs at the source) or in doubt (the source stays paused; the NVA settles it).</summary>
    public required MigrationOutcome Outcome { get; init; }

    /// <summary>Why it did not complete.</summary>
    public string? Reason { get; init; }

    /// <summary>The NVA's migration id, once recorded.</summary>
    public string? MigrationId { get; init; }

    /// <summary>The NVE it left and the one it went to.</summary>
    public required string From { get; init; }

    /// <summary>The NVE it went to.</summary>
    public required string To { get; init; }

    /// <summary>The driver's figures (bytes, rounds, pause, verification), when the transfer ran.</summary>
    public MigrationResult? Transfer { get; init; }

    /// <summary>Where the source's redirect sent packets in flight (null without one).</summary>
    public string? RedirectTo { get; init; }

    /// <summary>From the switchover (the source's pause) until the workload ran at the destination, ms.</summary>
    public double SwitchoverMs { get; init; }

    /// <summary>From the workload running at the destination until its NVE activated it, ms.</summary>
    public double ActivationMs { get; init; }

    /// <summary>The whole move, ms.</summary>
    public double TotalMs { get; init; }

    /// <summary>What failed after the commit point (the move completed regardless).</summary>
    public IReadOnlyList<string> LateFailures { get; init; } = [];
}
