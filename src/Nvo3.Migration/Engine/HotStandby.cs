using System.Buffers;
using System.Net;
using Microsoft.Extensions.Logging;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration;

/// <summary>
/// A hot standby of one workload, seen from its primary. After an initial pre-copy, every write
/// of the primary (memory, disk, device state) is recorded in order and replicated: the
/// workload's <see cref="Workload.FlushWritesAsync"/> returns only once the standby applied
/// everything written before it, so no write the workload treats as done can be lost by a
/// failover. (This is write replication with output commit per batch, the design of Remus and
/// DRBD protocol C, rather than lock-step execution; an emulated workload cannot be replayed
/// deterministically, so the standby applies the primary's writes instead of executing.) The
/// standby never runs until a failover; no state moves then, only the writes of the last,
/// unflushed batch.
/// </summary>
public sealed partial class HotStandby : IAsyncDisposable
{
    private readonly MigrationAgent _agent;
    private readonly Workload _workload;
    private readonly PreCopySettings _settings;
    private readonly IMigrationHooks _hooks;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly Lock _logLock = new();
    private readonly ILogger _logger;
    private readonly Replicator _replicator;
    private ArrayBufferWriter<byte> _log = new(64 << 10);
    private ArrayBufferWriter<byte> _spare = new(64 << 10);
    private int _logCount;
    private MigrationAgent.MoveState _move = null!;
    private long _started;
    private ulong _sequence;
    private long _writes;
    private long _batches;
    private bool _ended;

    internal HotStandby(MigrationAgent agent, Workload workload, PreCopySettings settings, IMigrationHooks hooks)
    {
        _agent = agent;
        _workload = workload;
        _settings = settings;
        _hooks = hooks;
        _logger = agent.LoggerFactory.CreateLogger<HotStandby>();
        _replicator = new Replicator(this);
    }

    /// <summary>Which protection this is.</summary>
    public MigrationContext Context => _move.Transfer!.Context;

    /// <summary>The initial synchronisation.</summary>
    public CheckpointInfo? Initial { get; private set; }

    /// <summary>Writes applied at the standby so far.</summary>
    public long WritesReplicated => Interlocked.Read(ref _writes);

    /// <summary>Batches applied at the standby so far.</summary>
    public long BatchesReplicated => Interlocked.Read(ref _batches);

    /// <summary>Why protection stopped (the standby's connection failed), or null while it runs.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Bytes sent to the standby so far.</summary>
    public long BytesSent => _move.Transfer!.BytesSent;

    internal async Task StartAsync(EndPoint destination, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        _agent.EnsureHosted(_workload);
        _started = _agent.Time.GetTimestamp();
        _move = new MigrationAgent.MoveState(_workload, MigrationMode.HotStandby, _settings, _hooks);
        _move.Transfer = await OutgoingTransfer.OpenAsync(_agent, _workload, destination, MigrationMode.HotStandby, _settings, progress, cancellationToken).ConfigureAwait(false);
        // Flushes wait until the standby holds the initial state: one sender at a time.
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await MigrationAgent.RunHookAsync("Prepare", () => _hooks.PrepareAsync(Context, cancellationToken)).ConfigureAwait(false);
            // The replicator is attached while the workload is paused for the final pass, so the
            // standby gets every write made after the state the hash covers, and none before.
            Initial = await _agent.SynchroniseAsync(_move, _settings, () => _workload.AttachReplicator(_replicator), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _workload.DetachReplicator(_replicator);
            _ended = true;
            var result = await _agent.AbortMoveAsync(_move, MigrationAgent.Describe(ex, cancellationToken), _started).ConfigureAwait(false);
            throw new MigrationAbortException(result.Reason!, ex);
        }
        finally
        {
            _send.Release();
        }
        _move.Transfer.Report(MigrationPhase.Protecting, 0, 0, 0);
    }

    private void Record(WriteTarget target, long offset, ReadOnlySpan<byte> data)
    {
        lock (_logLock)
        {
            WriteBatch.AppendEntry(_log, target, offset, data);
            _logCount++;
        }
    }

    /// <summary>Replicates every write recorded so far and waits until the standby applied it.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fault is not null || _ended)
            {
                return;
            }
            try
            {
                await SendLogAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // The standby is lost; the primary runs on unprotected rather than stop.
                Fault = ex;
                _workload.DetachReplicator(_replicator);
                LogProtectionLost(_logger, _workload.Name, ex);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task SendLogAsync(CancellationToken cancellationToken)
    {
        ArrayBufferWriter<byte> log;
        int count;
        lock (_logLock)
        {
            if (_logCount == 0)
            {
                return;
            }
            log = _log;
            count = _logCount;
            _log = _spare;
            _logCount = 0;
        }
        var transfer = _move.Transfer!;
        ulong sequence = ++_sequence;
        // A batch larger than a frame goes as it is; the log is flushed every few milliseconds, so
        // it stays far below; a workload that writes faster than a frame per flush is refused.
        int length = WriteBatch.FixedSize + log.WrittenCount;
        if (length > FrameHeader.MaxPayloadLength)
        {
            throw new IOException($"{log.WrittenCount} bytes of writes since the last flush exceed one frame; flush more often.");
        }
        var buffer = transfer.Connection.Writer.GetPayloadBuffer(length);
        WriteBatch.WriteHeader(buffer.Span, sequence, count);
        log.WrittenSpan.CopyTo(buffer.Span[WriteBatch.FixedSize..]);
        log.ResetWrittenCount();
        _spare = log;
        transfer.Control.ThrowIfFailed();
        await transfer.Connection.Writer.SendAsync(FrameType.Writes, length, cancellationToken).ConfigureAwait(false);
        ulong applied = FieldMessage.ReadUInt64(await transfer.Control.ExpectAsync(FrameType.WritesApplied, _settings.ReplyTimeout, cancellationToken).ConfigureAwait(false), FrameType.WritesApplied);
        if (applied != sequence)
        {
            throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, $"The standby applied batch {applied}, not {sequence}.");
        }
        Interlocked.Add(ref _writes, count);
        Interlocked.Increment(ref _batches);
    }

    /// <summary>
    /// Planned failover: the primary pauses for good (Paused hook), the last unflushed writes go,
    /// both hashes are compared, the standby is activated (Resumed, Completed hooks). A failure
    /// before the activation aborts: the primary runs again, unprotected.
    /// </summary>
    public async Task<MigrationResult> FailoverAsync(CancellationToken cancellationToken = default)
    {
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fault is not null || _ended)
            {
                throw new InvalidOperationException($"The hot standby of '{_workload.Name}' has ended; use ActivateStandby at the standby's agent.", Fault);
            }
            _ended = true;
            var move = _move;
            move.Switchover = SwitchoverReason.None;
            move.PauseStarted = _agent.Time.GetTimestamp();
            move.WasRunning = _workload.Pause();
            try
            {
                var paused = MigrationAgent.RunHookAsync("Paused", () => _hooks.PausedAsync(Context, cancellationToken));
                try
                {
                    await SendLogAsync(cancellationToken).ConfigureAwait(false);
                    _workload.DetachReplicator(_replicator);
                    if (_settings.VerifyState)
                    {
                        long hashing = _agent.Time.GetTimestamp();
                        move.SourceHash = _workload.ComputeStateHash();
                        move.Verification = _agent.Time.GetElapsedTime(hashing);
                    }
                }
                finally
                {
                    await paused.ConfigureAwait(false);
                }
                var ready = await move.Transfer!.CompleteAsync(++_sequence, move.SourceHash, cancellationToken).ConfigureAwait(false);
                move.DestinationHash = ready.Hash;
                move.Verified = _settings.VerifyState && ready.Verified;
                if (_settings.VerifyState && !ready.Verified)
                {
                    throw new MigrationAbortException($"The state hashes differ: primary {move.SourceHash}, standby {ready.Hash}.");
                }
                move.Bandwidth = move.Transfer.Bandwidth;
            }
            catch (Exception ex)
            {
                _workload.DetachReplicator(_replicator);
                Fault = ex;
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
        await _send.WaitAsync().ConfigureAwait(false);
        try
        {
            _workload.DetachReplicator(_replicator);
            if (!_ended && _move?.Transfer is { } transfer)
            {
                _ended = true;
                await transfer.AbortAsync("The primary ended the hot standby.").ConfigureAwait(false);
                await transfer.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>The workload's write sink: records under the workload's gate, flushes through the standby.</summary>
    private sealed class Replicator(HotStandby owner) : IWriteReplicator
    {
        public void Record(WriteTarget target, long offset, ReadOnlySpan<byte> data) => owner.Record(target, offset, data);

        public ValueTask FlushAsync(CancellationToken cancellationToken) => owner.FlushAsync(cancellationToken);
    }

    [LoggerMessage(30, LogLevel.Warning, "The hot standby of {Workload} was lost; it runs unprotected")]
    private static partial void LogProtectionLost(ILogger logger, string workload, Exception exception);
}
