using System.Net;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration;

public sealed partial class MigrationAgent
{
    /// <summary>
    /// Moves a hosted workload live to the agent at <paramref name="destination"/>: Prepare hook,
    /// iterative pre-copy (memory and the disk mirror) while it runs, pause, Paused hook while the
    /// rest and the device state go, state hashes compared, activation, Resumed and Completed
    /// hooks. Any failure before the activation aborts: the workload runs here again and the
    /// destination discards its copy. Cancelling <paramref name="cancellationToken"/> aborts the
    /// same way until the activation is sent; after that the move runs to its end.
    /// </summary>
    public Task<MigrationResult> MigrateHotAsync(Workload workload, EndPoint destination, PreCopySettings? settings = null,
        IMigrationHooks? hooks = null, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        settings ??= new PreCopySettings();
        settings.Validate();
        return MoveAsync(workload, destination, MigrationMode.Hot, settings, hooks ?? MigrationHooks.None, progress, cancellationToken);
    }

    /// <summary>
    /// Moves a hosted workload cold: Prepare hook, stop it (Paused hook), send everything,
    /// compare hashes, start it at the destination (Resumed hook), Completed hook. A failure before
    /// the start restarts it here.
    /// </summary>
    public Task<MigrationResult> MigrateColdAsync(Workload workload, EndPoint destination, TransferSettings? settings = null,
        IMigrationHooks? hooks = null, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var preCopy = settings is null ? new PreCopySettings() : new PreCopySettings
        {
            MaxBandwidth = settings.MaxBandwidth,
            FramePayloadBytes = settings.FramePayloadBytes,
            ConnectTimeout = settings.ConnectTimeout,
            ReplyTimeout = settings.ReplyTimeout,
            VerifyState = settings.VerifyState,
            ResolveAttempts = settings.ResolveAttempts,
            ResolveInterval = settings.ResolveInterval,
        };
        preCopy.Validate();
        return MoveAsync(workload, destination, MigrationMode.Cold, preCopy, hooks ?? MigrationHooks.None, progress, cancellationToken);
    }

    private async Task<MigrationResult> MoveAsync(Workload workload, EndPoint destination, MigrationMode mode, PreCopySettings settings,
        IMigrationHooks hooks, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(destination);
        EnsureHosted(workload);
        long started = Time.GetTimestamp();
        var move = new MoveState(workload, mode, settings, hooks);
        OutgoingTransfer? transfer = null;
        try
        {
            transfer = await OutgoingTransfer.OpenAsync(this, workload, destination, mode, settings, progress, cancellationToken).ConfigureAwait(false);
            move.Transfer = transfer;
            await RunHookAsync("Prepare", () => hooks.PrepareAsync(transfer.Context, cancellationToken)).ConfigureAwait(false);
            if (mode == MigrationMode.Hot)
            {
                if (workload.State != WorkloadState.Running)
                {
                    throw new MigrationAbortException($"A hot move needs a running workload; '{workload.Name}' is {workload.State}.");
                }
                (move.Switchover, move.Predicted) = await transfer.PreCopyAsync(settings, cancellationToken).ConfigureAwait(false);
            }
            move.Bandwidth = transfer.Bandwidth;

            // Stop and copy: from here the workload does not run anywhere until the activation.
            move.PauseStarted = Time.GetTimestamp();
            move.WasRunning = workload.Pause();
            transfer.Report(MigrationPhase.Paused, transfer.PreCopyRounds, transfer.DirtyBytes, 0);
            var paused = RunHookAsync("Paused", () => hooks.PausedAsync(transfer.Context, cancellationToken));
            try
            {
                if (mode == MigrationMode.Cold)
                {
                    workload.Memory.Dirty.SetAll();
                    workload.Disk.Dirty.SetAll();
                }
                await transfer.SendRoundAsync(transfer.PreCopyRounds, final: true, cancellationToken).ConfigureAwait(false);
                await transfer.SendDeviceStateAsync(workload.CopyDeviceState(), cancellationToken).ConfigureAwait(false);
                if (settings.VerifyState)
                {
                    long hashing = Time.GetTimestamp();
                    move.SourceHash = workload.ComputeStateHash();
                    move.Verification = Time.GetElapsedTime(hashing);
                }
            }
            finally
            {
                // The Paused hook ran beside the final pass; its failure aborts like any other.
                await paused.ConfigureAwait(false);
            }
            var ready = await transfer.CompleteAsync(0, move.SourceHash, cancellationToken).ConfigureAwait(false);
            move.DestinationHash = ready.Hash;
            move.Verified = settings.VerifyState && ready.Verified;
            if (settings.VerifyState && !ready.Verified)
            {
                throw new MigrationAbortException($"The state hashes differ: source {move.SourceHash}, destination {ready.Hash}.");
            }
            move.Bandwidth = transfer.Bandwidth > 0 ? transfer.Bandwidth : move.Bandwidth;
        }
        catch (Exception ex)
        {
            return await AbortMoveAsync(move, Describe(ex, cancellationToken), started).ConfigureAwait(false);
        }

        return await CommitAsync(move, started).ConfigureAwait(false);
    }

    /// <summary>
    /// The commit point of every mode: from the activation on, the source copy never runs again on
    /// its own. Sends the activation and waits for Resumed; when the answer is lost, asks the
    /// destination whether it runs (Completed), discarded its copy (Aborted, the source runs
    /// again) or cannot say (InDoubt, the source stays paused).
    /// </summary>
    internal async Task<MigrationResult> CommitAsync(MoveState move, long started)
    {
        var transfer = move.Transfer!;
        move.Workload.BeginHandOver();
        transfer.Report(MigrationPhase.Activating, transfer.PreCopyRounds, 0, 0);
        try
        {
            await transfer.ActivateAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The answer was lost, not necessarily the activation: ask the destination.
            var status = await transfer.ResolveAsync(CancellationToken.None).ConfigureAwait(false);
            if (status is MigrationStatus.Discarded or MigrationStatus.Unknown)
            {
                move.Workload.CancelHandOver();
                return await AbortMoveAsync(move, $"The connection failed during the activation and the destination discarded its copy: {ex.Message}", started).ConfigureAwait(false);
            }
            if (status != MigrationStatus.Running)
            {
                return await EndInDoubtAsync(move, $"The connection failed during the activation and the destination cannot say whether it runs: {ex.Message}", started).ConfigureAwait(false);
            }
        }
        return await CompleteMoveAsync(move, started).ConfigureAwait(false);
    }

    private async Task<MigrationResult> CompleteMoveAsync(MoveState move, long started)
    {
        var transfer = move.Transfer!;
        move.Downtime = Time.GetElapsedTime(move.PauseStarted);
        move.Workload.Stop();
        move.Workload.Throttle = 0;
        Release(move.Workload);
        transfer.Report(MigrationPhase.Completed, transfer.PreCopyRounds, 0, 0);
        await RunLateHookAsync(move, "Resumed", () => move.Hooks.ResumedAsync(transfer.Context, CancellationToken.None)).ConfigureAwait(false);
        var result = BuildResult(move, MigrationOutcome.Completed, null, started);
        await RunLateHookAsync(move, "Completed", () => move.Hooks.CompletedAsync(transfer.Context, result, CancellationToken.None)).ConfigureAwait(false);
        await transfer.DisposeAsync().ConfigureAwait(false);
        LogMoveEnded(_logger, move.Mode, move.Workload.Name, transfer.Context.DestinationAgent, MigrationOutcome.Completed, null);
        return result;
    }

    internal async Task<MigrationResult> AbortMoveAsync(MoveState move, string reason, long started)
    {
        var transfer = move.Transfer;
        if (transfer is not null)
        {
            await transfer.AbortAsync(reason).ConfigureAwait(false);
        }
        move.Workload.Throttle = 0;
        if (move.WasRunning)
        {
            try
            {
                move.Workload.Resume();
            }
            catch (InvalidOperationException)
            {
                // The agent stopped (its server went down): the workload is gone here too.
            }
        }
        if (move.PauseStarted != 0)
        {
            move.Downtime = Time.GetElapsedTime(move.PauseStarted);
        }
        var result = BuildResult(move, MigrationOutcome.Aborted, reason, started);
        if (transfer is not null)
        {
            transfer.Report(MigrationPhase.Aborted, transfer.PreCopyRounds, 0, 0);
            // A transfer exists only once the destination answered; without one the network prepared nothing and hears nothing.
            await RunLateHookAsync(move, "Aborted", () => move.Hooks.AbortedAsync(transfer.Context, reason, CancellationToken.None)).ConfigureAwait(false);
            await transfer.DisposeAsync().ConfigureAwait(false);
        }
        LogMoveEnded(_logger, move.Mode, move.Workload.Name, transfer?.Context.DestinationAgent ?? "(no answer)", MigrationOutcome.Aborted, reason);
        return result;
    }

    private async Task<MigrationResult> EndInDoubtAsync(MoveState move, string reason, long started)
    {
        var transfer = move.Transfer!;
        move.Downtime = Time.GetElapsedTime(move.PauseStarted);
        var result = BuildResult(move, MigrationOutcome.InDoubt, reason, started);
        await transfer.DisposeAsync().ConfigureAwait(false);
        LogMoveEnded(_logger, move.Mode, move.Workload.Name, transfer.Context.DestinationAgent, MigrationOutcome.InDoubt, reason);
        return result;
    }

    internal MigrationResult BuildResult(MoveState move, MigrationOutcome outcome, string? reason, long started)
    {
        var result = NewResult(move, outcome, reason, started);
        MigrationMetrics.Ended(result);
        return result;
    }

    private MigrationResult NewResult(MoveState move, MigrationOutcome outcome, string? reason, long started)
    {
        var transfer = move.Transfer;
        return new MigrationResult
        {
            Id = transfer?.Id ?? Guid.Empty,
            Workload = move.Workload.Name,
            Mode = move.Mode,
            Outcome = outcome,
            Reason = reason,
            MemoryBytes = move.Workload.Memory.SizeBytes,
            DiskBytes = move.Workload.Disk.SizeBytes,
            MemoryBytesSent = transfer?.MemoryBytesSent ?? 0,
            DiskBytesSent = transfer?.DiskBytesSent ?? 0,
            DeviceBytesSent = transfer?.DeviceBytesSent ?? 0,
            BytesSent = transfer?.BytesSent ?? 0,
            Rounds = transfer?.PreCopyRounds ?? 0,
            RoundFigures = transfer is null ? [] : [.. transfer.Rounds],
            Switchover = move.Switchover,
            PredictedDowntime = move.Predicted,
            Downtime = move.Downtime,
            VerificationTime = move.Verification,
            TotalTime = Time.GetElapsedTime(started),
            Bandwidth = move.Bandwidth,
            Throttle = transfer?.Throttle ?? 0,
            StateVerified = outcome == MigrationOutcome.Completed && move.Verified,
            SourceHash = move.SourceHash,
            DestinationHash = move.DestinationHash,
            StateAge = move.StateAge,
            HookFailures = move.HookFailures,
        };
    }

    /// <summary>Runs a hook that may still abort: its failure becomes a <see cref="MigrationAbortException"/> naming it.</summary>
    internal static async Task RunHookAsync(string name, Func<ValueTask> hook)
    {
        try
        {
            await hook().ConfigureAwait(false);
        }
        catch (MigrationAbortException ex)
        {
            throw new MigrationAbortException($"The {name} hook aborted the move: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new MigrationAbortException($"The {name} hook failed: {ex.Message}", ex);
        }
    }

    /// <summary>Runs a hook that can no longer abort: its failure is recorded and logged.</summary>
    internal async Task RunLateHookAsync(MoveState move, string name, Func<ValueTask> hook)
    {
        try
        {
            await hook().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            move.HookFailures.Add($"{name}: {ex.Message}");
            LogHookFailed(_logger, name, move.Workload.Name, ex);
        }
    }

    internal static string Describe(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => "The move was cancelled.",
        MigrationAbortException => ex.Message,
        MigrationRefusedException => $"The destination refused or aborted: {ex.Message}",
        MigrationProtocolException p => $"Protocol error ({p.Error}): {p.Message}",
        IOException or TimeoutException => $"The transfer failed: {ex.Message}",
        ObjectDisposedException => "The connection was closed (the agent stopped, or a reset).",
        _ => $"Unexpected {ex.GetType().Name}: {ex.Message}",
    };

    [Microsoft.Extensions.Logging.LoggerMessage(4, Microsoft.Extensions.Logging.LogLevel.Warning, "The {Hook} hook of {Workload} failed after the activation; the move goes on")]
    private static partial void LogHookFailed(Microsoft.Extensions.Logging.ILogger logger, string hook, string workload, Exception exception);

    /// <summary>What one move has measured and decided so far.</summary>
    internal sealed class MoveState(Workload workload, MigrationMode mode, TransferSettings settings, IMigrationHooks hooks)
    {
        public Workload Workload { get; } = workload;
        public MigrationMode Mode { get; } = mode;
        public TransferSettings Settings { get; } = settings;
        public IMigrationHooks Hooks { get; } = hooks;
        public OutgoingTransfer? Transfer { get; set; }
        public SwitchoverReason Switchover { get; set; }
        public TimeSpan Predicted { get; set; }
        public double Bandwidth { get; set; }
        public long PauseStarted { get; set; }
        public bool WasRunning { get; set; }
        public TimeSpan Downtime { get; set; }
        public TimeSpan Verification { get; set; }
        public StateHash SourceHash { get; set; }
        public StateHash DestinationHash { get; set; }
        public bool Verified { get; set; }
        public TimeSpan StateAge { get; set; }
        public List<string> HookFailures { get; } = [];
    }
}
