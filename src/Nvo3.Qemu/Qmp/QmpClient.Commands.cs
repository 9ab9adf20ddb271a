namespace Nvo3.Qemu.Qmp;

/// <summary>Typed commands for the guest's run state.</summary>
public sealed partial class QmpClient
{
    /// <summary><c>query-status</c>: the run state.</summary>
    public async Task<QemuRunStatus> QueryStatusAsync(CancellationToken cancellationToken = default)
    {
        var result = await ExecuteAsync("query-status", null, cancellationToken).ConfigureAwait(false);
        return new QemuRunStatus(
            JsonFields.String(result, "status") ?? "unknown",
            JsonFields.IsTrue(result, "running"));
    }

    /// <summary><c>stop</c>: pauses the guest's CPUs (a STOP event follows).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => ExecuteAsync("stop", null, cancellationToken);

    /// <summary><c>cont</c>: resumes the guest's CPUs (a RESUME event follows).</summary>
    public Task ContinueAsync(CancellationToken cancellationToken = default) => ExecuteAsync("cont", null, cancellationToken);

    /// <summary>
    /// <c>quit</c>: QEMU exits at once. The connection closing before the reply arrives counts as
    /// done: QEMU may exit before it writes the reply.
    /// </summary>
    public async Task QuitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await ExecuteAsync("quit", null, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpProtocolException) when (!IsConnected)
        {
        }
    }
}
