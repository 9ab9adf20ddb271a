namespace Nvo3.Cli.Bench;

/// <summary>The move being timed, where every watcher looks.</summary>
internal sealed class ProbeBoard
{
    private volatile ProbeRound? _current;

    /// <summary>The round in progress, or null between rounds.</summary>
    public ProbeRound? Current
    {
        get => _current;
        set => _current = value;
    }
}
