namespace Nvo3.Nva.Leadership;

/// <summary>The election of a store only one NVA opens (memory, SQLite): that NVA always leads.</summary>
public sealed class SoleLeader(string candidate) : ILeaderElection
{
    private volatile bool _leading;

    /// <inheritdoc />
    public string Candidate => candidate;

    /// <inheritdoc />
    public bool IsLeader => _leading;

    /// <inheritdoc />
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        _leading = true;
        try
        {
            await lead(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _leading = false;
        }
    }

    /// <inheritdoc />
    public ValueTask<string?> GetLeaderAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<string?>(_leading ? candidate : null);
}
