namespace Nvo3.Migration.Transfer;

/// <summary>The message a frame carries (byte 5 of the frame header). See docs/migration.md for each payload.</summary>
public enum FrameType : byte
{
    /// <summary>Source → destination, first frame: migration id, mode, workload name and sizes.</summary>
    Hello = 1,
    /// <summary>Destination → source: accepted; the destination agent's name.</summary>
    Welcome = 2,
    /// <summary>Source → destination: a batch of memory pages (round, count, indices, pages).</summary>
    Pages = 3,
    /// <summary>Source → destination: a batch of disk blocks (round, count, indices, blocks).</summary>
    Blocks = 4,
    /// <summary>Source → destination: the whole device/CPU state.</summary>
    DeviceState = 5,
    /// <summary>Source → destination: the state is complete (a switchover or a checkpoint): sequence and state hash.</summary>
    StateComplete = 6,
    /// <summary>Destination → source: the state is applied; whether the hash matched, and the destination's hash.</summary>
    Ready = 7,
    /// <summary>Source → destination: the activation: the source is paused for good, the destination may run.</summary>
    Activate = 8,
    /// <summary>Destination → source: the workload runs at the destination.</summary>
    Resumed = 9,
    /// <summary>Either way: give up, with a reason. The destination discards what it holds.</summary>
    Abort = 10,
    /// <summary>Source → standby: a batch of replicated writes (hot standby).</summary>
    Writes = 11,
    /// <summary>Standby → source: a batch of writes is applied.</summary>
    WritesApplied = 12,
    /// <summary>Any agent → destination, on a fresh connection: what became of a migration.</summary>
    Query = 13,
    /// <summary>Destination → asker: the migration's status.</summary>
    Status = 14,
}
