namespace Nvo3.Mobility;

/// <summary>The knobs of a move that every kind of workload understands (what <c>nvo3 migrate</c> passes).</summary>
public sealed record MoveSettings
{
    /// <summary>The bandwidth cap, bytes per second; null: none (our engine) or QEMU's default.</summary>
    public double? Bandwidth { get; init; }

    /// <summary>The pause pre-copy aims at (QEMU's downtime-limit). Default 300 ms, QEMU's.</summary>
    public TimeSpan DowntimeLimit { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The most pre-copy rounds (our engine; QEMU has no such limit). Default 30.</summary>
    public int MaxRounds { get; init; } = 30;

    /// <summary>Throttle a workload that dirties faster than it is sent.</summary>
    public bool AutoConverge { get; init; }
}
