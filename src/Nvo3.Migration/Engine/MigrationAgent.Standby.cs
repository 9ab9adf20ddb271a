using System.Net;

namespace Nvo3.Migration;

public sealed partial class MigrationAgent
{
    /// <summary>
    /// Protects a hosted workload with a warm standby at <paramref name="destination"/>: Prepare
    /// hook, an initial pre-copy (checkpoint 0), then a checkpoint of what changed every
    /// <see cref="WarmStandbySettings.CheckpointInterval"/>. Fail over with
    /// <see cref="WarmStandby.FailoverAsync"/> (planned, from here) or
    /// <see cref="ActivateStandby"/> at the destination (the primary is gone).
    /// </summary>
    public async Task<WarmStandby> ProtectWarmAsync(Workload workload, EndPoint destination, WarmStandbySettings? settings = null,
        IMigrationHooks? hooks = null, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        settings ??= new WarmStandbySettings();
        settings.Validate();
        if (settings.CheckpointInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("CheckpointInterval must be positive.", nameof(settings));
        }
        var standby = new WarmStandby(this, workload, settings, hooks ?? MigrationHooks.None);
        await standby.StartAsync(destination, progress, cancellationToken).ConfigureAwait(false);
        return standby;
    }

    /// <summary>
    /// Protects a hosted workload with a hot standby at <paramref name="destination"/>: Prepare
    /// hook, an initial pre-copy, then every write of the workload is replicated and applied at the
    /// standby before <see cref="Workload.FlushWritesAsync"/> returns. Fail over with
    /// <see cref="HotStandby.FailoverAsync"/> (planned) or <see cref="ActivateStandby"/> at the
    /// destination (the primary is gone); no state moves at failover.
    /// </summary>
    public async Task<HotStandby> ProtectHotAsync(Workload workload, EndPoint destination, PreCopySettings? settings = null,
        IMigrationHooks? hooks = null, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        settings ??= new PreCopySettings();
        settings.Validate();
        var standby = new HotStandby(this, workload, settings, hooks ?? MigrationHooks.None);
        await standby.StartAsync(destination, progress, cancellationToken).ConfigureAwait(false);
        return standby;
    }

    /// <summary>
    /// The initial synchronisation of a standby: pre-copy while the workload runs, then a short
    /// pause in which the rest and the device state go and the state hash is taken; the standby
    /// answers with its own hash. <paramref name="whilePaused"/> runs before the workload resumes
    /// (a hot standby attaches its replicator there, so no write escapes it).
    /// </summary>
    internal async Task<CheckpointInfo> SynchroniseAsync(MoveState move, PreCopySettings settings, Action? whilePaused, CancellationToken cancellationToken)
    {
        var transfer = move.Transfer!;
        var workload = move.Workload;
        if (workload.State == WorkloadState.Running)
        {
            (move.Switchover, move.Predicted) = await transfer.PreCopyAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        long taken = Time.GetTimestamp();
        bool wasRunning = workload.Pause();
        StateHash hash = default;
        try
        {
            await transfer.SendRoundAsync(transfer.PreCopyRounds, final: true, cancellationToken).ConfigureAwait(false);
            await transfer.SendDeviceStateAsync(workload.CopyDeviceState(), cancellationToken).ConfigureAwait(false);
            if (settings.VerifyState)
            {
                hash = workload.ComputeStateHash();
            }
            whilePaused?.Invoke();
        }
        finally
        {
            workload.Throttle = 0;
            if (wasRunning)
            {
                workload.Resume();
            }
        }
        move.Downtime = Time.GetElapsedTime(taken);
        var ready = await transfer.CompleteAsync(0, hash, cancellationToken).ConfigureAwait(false);
        if (settings.VerifyState && !ready.Verified)
        {
            throw new MigrationAbortException($"The standby's state hash {ready.Hash} differs from the primary's {hash}.");
        }
        return new CheckpointInfo(0, hash, taken, ready.Verified);
    }
}
