namespace Nvo3.Migration;

/// <summary>A warm standby: an initial pre-copy, then a checkpoint every interval.</summary>
public sealed record WarmStandbySettings : PreCopySettings
{
    /// <summary>Time between checkpoints: the most state a failover may lose. Default 1 s.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);
}
