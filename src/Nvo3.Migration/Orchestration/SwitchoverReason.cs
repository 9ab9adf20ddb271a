namespace Nvo3.Migration;

/// <summary>Why pre-copy stopped and the workload paused.</summary>
public enum SwitchoverReason
{
    /// <summary>No pre-copy: a cold move, or the pause of a standby's failover.</summary>
    None,
    /// <summary>What was left could be sent within the downtime limit at the measured bandwidth.</summary>
    Converged,
    /// <summary>The round limit was reached; the pause may exceed the downtime limit.</summary>
    MaxRounds,
}
