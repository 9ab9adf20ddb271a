namespace Nvo3.Lab.Linux;

/// <summary>
/// What the old place does with segments of a migrated connection that still reach it (DESIGN 6,
/// connection migration): the peer's packets in flight, and those sent before it learned the move.
/// </summary>
public enum LateSegmentPolicy
{
    /// <summary>Send them on to the new place (Layer 2: the old NVE's redirect; they are held there until the task resumes).</summary>
    Forward,

    /// <summary>Drop them (counted); the peer retransmits once the new place answers.</summary>
    Drop,
}
