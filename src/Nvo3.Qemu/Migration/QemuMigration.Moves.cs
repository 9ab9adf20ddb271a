using System.Diagnostics;
using Nvo3.Qemu.Qmp;

namespace Nvo3.Qemu.Migration;

/// <summary>Whole moves: hot (live, with a hook at the switchover) and cold (stopped, then moved, then continued).</summary>
public sealed partial class QemuMigration
{
    /// <summary>
    /// A live move: prepare the destination, mirror the disk when asked, migrate memory while the
    /// guest runs, and at pre-switchover call <paramref name="atSwitchover"/> (the place to install
    /// the old NVE's redirect) and finish the mirror, then continue and wait for completion. On
    /// any failure before the switchover the migration is cancelled so the guest runs at the
    /// source, and the exception is rethrown.
    /// </summary>
    public async Task<QemuMigrationResult> HotAsync(
        Func<MigrationInfo, CancellationToken, Task>? atSwitchover = null,
        IProgress<MigrationInfo>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(Options.Timeout);
        var ct = bound.Token;
        bool continued = false;
        try
        {
            await PrepareDestinationAsync(ct).ConfigureAwait(false);
            if (Options.MirrorDisk)
            {
                await MirrorDiskAsync(ct).ConfigureAwait(false);
            }
            await StartAsync(ct).ConfigureAwait(false);
            var paused = await WaitForSwitchoverAsync(progress, ct).ConfigureAwait(false);
            if (paused.Status == MigrationStatus.PreSwitchover)
            {
                if (atSwitchover is not null)
                {
                    await atSwitchover(paused, ct).ConfigureAwait(false);
                }
                await FinishDiskMirrorAsync(ct).ConfigureAwait(false);
                continued = true;
                await ContinueAsync(ct).ConfigureAwait(false);
            }
            else
            {
                continued = true;
            }
            return await WaitForCompletionAsync("hot", progress, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!continued && ex is not QmpProtocolException)
        {
            // Before the switchover the source is authoritative: put it back to running.
            await CancelAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A cold move: <c>stop</c> at the source, migrate the stopped guest (and mirror its disk
    /// first when asked), <c>cont</c> at the destination. The guest is stopped from the stop to the
    /// cont (<see cref="QemuMigrationResult.StoppedMs"/>).
    /// </summary>
    public async Task<QemuMigrationResult> ColdAsync(IProgress<MigrationInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(Options.Timeout);
        var ct = bound.Token;
        await PrepareDestinationAsync(ct).ConfigureAwait(false);
        long stopped = Stopwatch.GetTimestamp();
        await Source.Qmp.StopAsync(ct).ConfigureAwait(false);
        if (Options.MirrorDisk)
        {
            await MirrorDiskAsync(ct).ConfigureAwait(false);
        }
        await StartAsync(ct).ConfigureAwait(false);
        var paused = await WaitForSwitchoverAsync(progress, ct).ConfigureAwait(false);
        if (paused.Status == MigrationStatus.PreSwitchover)
        {
            await FinishDiskMirrorAsync(ct).ConfigureAwait(false);
            await ContinueAsync(ct).ConfigureAwait(false);
        }
        var result = await WaitForCompletionAsync("cold", progress, ct).ConfigureAwait(false);
        // The source was stopped, so the destination did not start by itself.
        await Destination.Qmp.ContinueAsync(ct).ConfigureAwait(false);
        return result with { StoppedMs = Stopwatch.GetElapsedTime(stopped).TotalMilliseconds };
    }
}
