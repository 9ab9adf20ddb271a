using System.Diagnostics;
using Nvo3.Qemu.Qmp;
using Nvo3.Qemu.Vm;

namespace Nvo3.Qemu.Migration;

/// <summary>The disk: an NBD export at the destination, a block mirror from the source, ended at the switchover.</summary>
public sealed partial class QemuMigration
{
    private const string ExportName = QemuCommandLine.DiskNode;
    private const string MirrorJob = "nvo3-mirror";
    private const string MirrorTargetNode = "nvo3-mirror-target";

    private int _diskPort;
    private long _diskBytes;
    private double _diskMirrorMs;
    private bool _mirrorRunning;

    private async Task ExportDestinationDiskAsync(CancellationToken cancellationToken)
    {
        _diskPort = Options.DiskPort == 0 ? FreePort(Options.Host) : Options.DiskPort;
        await Destination.Qmp.NbdServerStartAsync(Options.Host, _diskPort, cancellationToken).ConfigureAwait(false);
        await Destination.Qmp.BlockExportAddAsync("nvo3-export", QemuCommandLine.DiskNode, ExportName, writable: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies the source's disk to the destination's NBD export with a block mirror (sync full)
    /// and returns when the mirror is in sync (BLOCK_JOB_READY); from then on it follows every
    /// write until <see cref="FinishDiskMirrorAsync"/>. Call after <see cref="PrepareDestinationAsync"/>.
    /// </summary>
    public async Task MirrorDiskAsync(CancellationToken cancellationToken = default)
    {
        if (!Options.MirrorDisk || _diskPort == 0)
        {
            throw new InvalidOperationException("MirrorDiskAsync needs MirrorDisk in the options and PrepareDestinationAsync first.");
        }
        var qmp = Source.Qmp;
        long started = Stopwatch.GetTimestamp();
        await qmp.BlockdevAddNbdAsync(MirrorTargetNode, Options.Host, _diskPort, ExportName, cancellationToken).ConfigureAwait(false);
        var ready = qmp.WaitForEventAsync(e => e.Name == QmpEvent.BlockJobReady && e.DataString("device") == MirrorJob, cancellationToken);
        var failed = qmp.WaitForEventAsync(e => e.Name is QmpEvent.BlockJobCompleted or QmpEvent.BlockJobCancelled && e.DataString("device") == MirrorJob, cancellationToken);
        await qmp.BlockdevMirrorAsync(MirrorJob, QemuCommandLine.DiskNode, MirrorTargetNode, cancellationToken).ConfigureAwait(false);
        _mirrorRunning = true;
        var first = await Task.WhenAny(ready, failed).ConfigureAwait(false);
        if (first == failed)
        {
            var e = await failed.ConfigureAwait(false);
            _mirrorRunning = false;
            throw new QemuMigrationException($"The disk mirror of {Source.Name} ended before it was in sync: {e.DataString("error") ?? e.Name}.", MigrationStatus.Failed, sourceStillRuns: null);
        }
        var readyEvent = await ready.ConfigureAwait(false);
        _diskBytes = readyEvent.DataInt64("len") ?? 0;
        _diskMirrorMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>
    /// Ends the mirror while the source is paused at pre-switchover (libvirt's order): a
    /// block-job-cancel of a ready mirror copies what is left and completes it, the source keeping
    /// its own disk; then the NBD client node is removed. The destination's disk is then complete.
    /// </summary>
    public async Task FinishDiskMirrorAsync(CancellationToken cancellationToken = default)
    {
        if (!_mirrorRunning)
        {
            return;
        }
        var qmp = Source.Qmp;
        var ended = qmp.WaitForEventAsync(e => e.Name is QmpEvent.BlockJobCompleted or QmpEvent.BlockJobCancelled && e.DataString("device") == MirrorJob, cancellationToken);
        await qmp.BlockJobCancelAsync(MirrorJob, force: false, cancellationToken).ConfigureAwait(false);
        var e = await ended.ConfigureAwait(false);
        _mirrorRunning = false;
        if (e.Name != QmpEvent.BlockJobCompleted || e.DataString("error") is { } error)
        {
            throw new QemuMigrationException($"The disk mirror of {Source.Name} did not finish: {e.DataString("error") ?? e.Name}.", MigrationStatus.Failed, sourceStillRuns: null);
        }
        _diskBytes = e.DataInt64("len") ?? _diskBytes;
        await qmp.BlockdevDelAsync(MirrorTargetNode, cancellationToken).ConfigureAwait(false);
    }

    private async Task CancelDiskMirrorAsync(CancellationToken cancellationToken)
    {
        var qmp = Source.Qmp;
        if (_mirrorRunning)
        {
            var ended = qmp.WaitForEventAsync(e => e.Name is QmpEvent.BlockJobCompleted or QmpEvent.BlockJobCancelled && e.DataString("device") == MirrorJob, cancellationToken);
            await qmp.BlockJobCancelAsync(MirrorJob, force: true, cancellationToken).ConfigureAwait(false);
            await ended.ConfigureAwait(false);
            _mirrorRunning = false;
        }
        try
        {
            await qmp.BlockdevDelAsync(MirrorTargetNode, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpException)
        {
            // Never added, or already gone.
        }
    }
}
