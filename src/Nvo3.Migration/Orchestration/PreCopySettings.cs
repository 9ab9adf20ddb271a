namespace Nvo3.Migration;

/// <summary>A hot move's iterative pre-copy and when it switches over. The defaults are QEMU's.</summary>
public record PreCopySettings : TransferSettings
{
    /// <summary>
    /// The longest pause allowed: switch over once the dirty bytes left can be sent within it at
    /// the measured bandwidth (QEMU's downtime-limit). Default 300 ms.
    /// </summary>
    public TimeSpan DowntimeLimit { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Switch over after this many pre-copy rounds, converged or not (round 0 included). Default 30.</summary>
    public int MaxRounds { get; init; } = 30;

    /// <summary>Throttle the workload when pre-copy does not converge (QEMU's auto-converge). Default false.</summary>
    public bool AutoConverge { get; init; }

    /// <summary>The first throttle auto-converge applies. Default 0.20 (QEMU).</summary>
    public double ThrottleInitial { get; init; } = 0.20;

    /// <summary>What each further round that does not converge adds. Default 0.10 (QEMU).</summary>
    public double ThrottleIncrement { get; init; } = 0.10;

    /// <summary>The most throttle. Default 0.99 (QEMU).</summary>
    public double ThrottleMax { get; init; } = 0.99;

    /// <summary>
    /// A round does not converge when what the workload dirtied during it is at least this share
    /// of what the round sent (QEMU's throttle-trigger-threshold). Default 0.5.
    /// </summary>
    public double ThrottleTrigger { get; init; } = 0.5;

    internal void Validate()
    {
        ValidateTransfer();
        if (DowntimeLimit <= TimeSpan.Zero)
        {
            throw new ArgumentException("DowntimeLimit must be positive.", nameof(DowntimeLimit));
        }
        if (MaxRounds < 1)
        {
            throw new ArgumentException("MaxRounds must be at least 1 (round 0 sends everything).", nameof(MaxRounds));
        }
    }
}
