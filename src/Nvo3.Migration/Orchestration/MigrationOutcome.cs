namespace Nvo3.Migration;

/// <summary>How a move ended.</summary>
public enum MigrationOutcome
{
    /// <summary>The workload runs at the destination; the source copy is stopped.</summary>
    Completed,
    /// <summary>Given up before the activation: the workload runs at the source (unless its host was stopped); the destination discarded its copy.</summary>
    Aborted,
    /// <summary>
    /// The activation was sent, then the connection failed and the destination could not be
    /// asked whether it runs: the source stays paused and never resumes on its own (it might be
    /// running there). Someone who can see the destination (the NVA, an operator) decides.
    /// </summary>
    InDoubt,
}
