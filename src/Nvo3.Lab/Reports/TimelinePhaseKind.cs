namespace Nvo3.Lab.Reports;

/// <summary>The kinds of phase a move report draws, one lane each, in the order of a hot move.</summary>
public enum TimelinePhaseKind
{
    /// <summary>Pre-copy: state sent while the workload runs, one phase per round.</summary>
    Transfer,

    /// <summary>The workload paused or stopped at the source; packets in flight are forwarded (or lost).</summary>
    Pause,

    /// <summary>The new NVE activated the workload (an instant).</summary>
    Activation,

    /// <summary>From the activation until the correspondent's NVE sends to the new NVE.</summary>
    Convergence,
}
