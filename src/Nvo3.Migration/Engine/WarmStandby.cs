using System.Net;
using Microsoft.Extensions.Logging;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration;

/// <summary>
/// A warm standby of one workload, seen from its primary: checkpoints every interval, each a
/// short pause in which the pages and blocks dirtied since the last one, the device state and the
/// state hash are copied aside; the workload then runs on while the copy travels. The standby
/// applies a checkpoint only when all of it arrived, so it always holds a whole one; a failover
/// resumes from the last (state up to one interval old, and transports restart).
/// </summary>
public sealed partial class WarmStandby : IAsyncDisposable
{
    private readonly MigrationAgent _agent;
    private readonly Workload _workload;
    private readonly WarmStandbySettings _settings;
    private readonly IMigrationHooks _hooks;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TimeSpan> _pauses = [];
    private readonly ILogger _logger;
    private MigrationAgent.MoveState _move = null!;
    private Task _loop = Task.CompletedTask;
    private long _started;
    private ulong _sequence;
    private bool _ended;

    internal WarmStandby(MigrationAgent agent, Workload workload, WarmStandbySettings settings, IMigrationHooks hooks)
    {
        _agent = agent;
        _workload = workload;
        _settings = settings;
        _hooks = hooks;
        _logger = agent.LoggerFactory.CreateLogger<WarmStandby>();
    }

    /// <summary>Which protection this is.</summary>
    public MigrationContext Context => _move.Transfer!.Context;

    /// <summary>The last checkpoint the standby acknowledged: what a failover resumes from.</summary>
    public CheckpointInfo? LastCheckpoint { get; private set; }

    /// <summary>How long each checkpoint paused the workload.</summary>
    public IReadOnlyList<TimeSpan> CheckpointPauses
    {
        get
        {
            lock (_pauses)
            {
                return [.. _pauses];
            }
        }
    }

    /// <summary>Why protection stopped (the standby's connection failed), or null while it runs.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Bytes sent to the standby so far.</summary>
    public long BytesSent => _move.Transfer!.BytesSent;

    internal async Task StartAsync(EndPoint destination, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        _agent.EnsureHosted(_workload);
        _started = _agent.Time.GetTimestamp();
        _move = new MigrationAgent.MoveState(_workload, MigrationMode.Warm, _settings, _hooks);
        _move.Transfer = await OutgoingTransfer.OpenAsync(_agent, _workload, destination, MigrationMode.Warm, _settings, progress, cancellationToken).ConfigureAwait(false);
        try
        {
            await MigrationAgent.RunHookAsync("Prepare", () => _hooks.PrepareAsync(Context, cancellationToken)).ConfigureAwait(false);
            LastCheckpoint = await _agent.SynchroniseAsync(_move, _settings, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var result = await _agent.AbortMoveAsync(_move, MigrationAgent.Describe(ex, cancellationToken), _started).ConfigureAwait(false);
            throw new MigrationAbortException(result.Reason!, ex);
        }
        _move.Transfer.Report(MigrationPhase.Protecting, 0, 0, 0);
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_settings.CheckpointInterval, _agent.Time, cancellationToken).ConfigureAwait(false);
                await CheckpointAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Protection ends; the primary runs on unprotected.
            LogProtectionLost(_logger, _workload.Name, ex);
        }
    }

    /// <summary>Takes a checkpoint now and returns once the standby applied it.</summary>
    public async Task<CheckpointInfo> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fault is not null || _ended)
            {
                throw new InvalidOperationException($"The warm standby of '{_workload.Name}' has ended.", Fault);
            }
            try
            {
                var checkpoint = await TakeCheckpointAsync(cancellationToken).ConfigureAwait(false);
                LastCheckpoint = checkpoint;
                return checkpoint;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Fault = ex;
                throw;
            }
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task<CheckpointInfo> TakeCheckpointAsync(CancellationToken cancellationToken)
    {
        var transfer = _move.Transfer!;
        var time = _agent.Time;
        ulong sequence = ++_sequence;
        long taken = time.GetTimestamp();
        // A workload paused by someone else is checkpointed as it is, and left paused.
        bool wasRunning = _workload.Pause();
        if (_workload.State == WorkloadState.Stopped)
        {
            throw new InvalidOperationException($"The workload '{_workload.Name}' does not run here any more.");
        }
        List<(FrameType, byte[])> staged;
        byte[] device;
        StateHash hash = default;
        try
        {
            // Copy aside while paused (memory speed); send after the workload runs again.
            staged = Stage(FrameType.Pages, _workload.Memory, (uint)sequence);
            staged.AddRange(Stage(FrameType.Blocks, _workload.Disk, (uint)sequence));
            device = _workload.CopyDeviceState();
            if (_settings.VerifyState)
            {
                hash = _workload.ComputeStateHash();
            }
        }
        finally
        {
            if (wasRunning)
            {
                _workload.Resume();
            }
        }
        var pause = time.GetElapsedTime(taken);
        lock (_pauses)
        {
            _pauses.Add(pause);
        }
        long memory = 0, disk = 0;
        foreach (var (type, payload) in staged)
        {
            await transfer.SendStagedAsync(type, payload, cancellationToken).ConfigureAwait(false);
            int units = (payload.Length - 8) / (4 + (type == FrameType.Pages ? Workload.PageSize : _workload.Disk.UnitSize));
            if (type == FrameType.Pages)
            {
                memory += (long)units * Workload.PageSize;
            }
            else
            {
                disk += (long)units * _workload.Disk.UnitSize;
            }
        }
        await transfer.SendDeviceStateAsync(device, cancellationToken).ConfigureAwait(false);
        transfer.CountStaged(memory, disk, 0);
        var ready = await transfer.CompleteAsync(sequence, hash, cancellationToken).ConfigureAwait(false);
        if (_settings.VerifyState && !ready.Verified)
        {
            throw new MigrationAbortException($"Checkpoint {sequence}: the standby's hash {ready.Hash} differs from the primary's {hash}.");
        }
        transfer.Report(MigrationPhase.Protecting, (int)sequence, transfer.DirtyBytes, 0);
        return new CheckpointInfo(sequence, hash, taken, ready.Verified);
    }

    private List<(FrameType, byte[])> Stage(FrameType type, TrackedRegion region, uint sequence)
    {
        var indices = new List<int>();
        int count = region.Dirty.Take(indices);
        int perFrame = UnitBatch.Fit(_settings.FramePayloadBytes, region.UnitSize);
        var frames = new List<(FrameType, byte[])>();
        for (int at = 0; at < count; at += perFrame)
        {
            int n = Math.Min(perFrame, count - at);
            byte[] payload = new byte[UnitBatch.SizeOf(n, region.UnitSize)];
            UnitBatch.Write(payload, sequence, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(indices).Slice(at, n), region);
            frames.Add((type, payload));
        }
        return frames;
    }

    /// <summary>
    /// Planned failover: the primary stops for good (Paused hook), the standby resumes from the
    /// last checkpoint (what the primary did since is lost, as warm mobility allows), Resumed and
    /// Completed hooks. A failure before the activation aborts: the primary runs again,
    /// unprotected (the standby discards its copy).
    /// </summary>
    public async Task<MigrationResult> FailoverAsync(CancellationToken cancellationToken = default)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var checkpoint = LastCheckpoint ?? throw new InvalidOperationException("No checkpoint yet.");
            if (Fault is not null || _ended)
            {
                throw new InvalidOperationException($"The warm standby of '{_workload.Name}' has ended; use ActivateStandby at the standby's agent.", Fault);
            }
            _ended = true;
            var move = _move;
            move.PauseStarted = _agent.Time.GetTimestamp();
            move.WasRunning = _workload.Pause();
            move.Switchover = SwitchoverReason.None;
            move.SourceHash = checkpoint.Hash;
            move.DestinationHash = checkpoint.Hash;
            move.Verified = checkpoint.Verified;
            move.StateAge = _agent.Time.GetElapsedTime(checkpoint.TakenAt);
            move.Bandwidth = move.Transfer!.Bandwidth;
            try
            {
                await MigrationAgent.RunHookAsync("Paused", () => _hooks.PausedAsync(Context, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                return await _agent.AbortMoveAsync(move, MigrationAgent.Describe(ex, cancellationToken), _started).ConfigureAwait(false);
            }
            return await _agent.CommitAsync(move, _started).ConfigureAwait(false);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>Ends protection: the standby discards its copy; the primary runs on.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _send.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_ended && _move?.Transfer is { } transfer)
            {
                _ended = true;
                await transfer.AbortAsync("The primary ended the warm standby.").ConfigureAwait(false);
                await transfer.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _send.Release();
        }
        _stop.Dispose();
    }

    [LoggerMessage(20, LogLevel.Warning, "The warm standby of {Workload} was lost; it runs unprotected")]
    private static partial void LogProtectionLost(ILogger logger, string workload, Exception exception);
}
