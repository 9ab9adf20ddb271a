using Nvo3.Migration;

namespace Nvo3.Mobility.Emulated;

/// <summary>How the migration engine moves an emulated VM, per mode.</summary>
public sealed record EmulatedMoveSettings
{
    /// <summary>Hot moves (and the pre-copy of a hot standby): bandwidth, downtime limit, rounds.</summary>
    public PreCopySettings PreCopy { get; init; } = new();

    /// <summary>Cold moves.</summary>
    public TransferSettings Transfer { get; init; } = new();

    /// <summary>Warm standby: the checkpoint interval and the transfer.</summary>
    public WarmStandbySettings Checkpoints { get; init; } = new() { CheckpointInterval = TimeSpan.FromMilliseconds(200) };

    /// <summary>Warm and hot standby: how long the standby is kept up to date before the primary fails over. Default 3.5 checkpoint intervals.</summary>
    public TimeSpan? ProtectFor { get; init; }
}
