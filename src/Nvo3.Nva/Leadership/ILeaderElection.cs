namespace Nvo3.Nva.Leadership;

/// <summary>
/// Decides which of the NVA replicas on one store runs the housekeeping (lease expiry, redirect
/// and migration timers, record clean-up, standby failover). Exactly one leads at a time, as long
/// as the store can say so; every housekeeping decision is still a compare-and-swap on the records
/// it read, so two replicas that briefly both believe they lead do the same work twice, never
/// different work.
/// </summary>
public interface ILeaderElection
{
    /// <summary>This replica's name in the election.</summary>
    string Candidate { get; }

    /// <summary>True while this replica leads.</summary>
    bool IsLeader { get; }

    /// <summary>
    /// Campaigns until <paramref name="cancellationToken"/> is cancelled: each time this replica
    /// becomes leader it runs <paramref name="lead"/> with a token that is cancelled the moment
    /// it stops being leader (its lease lost, or the store unreachable for the lease's time).
    /// Failures to reach the store throw; the caller retries.
    /// </summary>
    Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken);

    /// <summary>The leading replica's name, or null when none leads (or the store cannot say).</summary>
    ValueTask<string?> GetLeaderAsync(CancellationToken cancellationToken = default);
}
