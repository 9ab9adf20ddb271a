using Microsoft.Extensions.Logging;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration;

/// <summary>
/// The destination side of one connection: answers a status query, or receives a workload
/// (hot, cold, warm standby or hot standby) into a copy that does not run, hashes it when the
/// source says the state is complete, and runs it only on the source's activation (or on a local
/// failover of a standby). A hot or cold copy that was not activated when the connection ends is
/// discarded; a standby keeps its last complete state for a failover.
/// </summary>
/// <remarks>
/// Activation and discard exclude each other under <see cref="_lock"/>, so the status a query
/// reads (Running or Discarded) is final. Checkpoint deltas of a warm standby are staged (copied)
/// and applied only when their checkpoint is complete, under the same lock; a standby therefore
/// always holds a whole checkpoint.
/// </remarks>
internal sealed partial class IncomingSession
{
    private readonly MigrationAgent _agent;
    private readonly MigrationConnection _connection;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<(FrameType Type, byte[] Payload)> _staged = [];
    private HelloMessage? _hello;
    private bool _complete;
    private bool _activated;
    private bool _discarded;
    private bool _isStandby;

    public IncomingSession(MigrationAgent agent, MigrationConnection connection, ILogger logger)
    {
        _agent = agent;
        _connection = connection;
        _logger = logger;
    }

    public Workload Image { get; private set; } = null!;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var first = await ReadFirstAsync(cancellationToken).ConfigureAwait(false);
            if (first is null)
            {
                return;
            }
            if (first.Value.Type == FrameType.Query)
            {
                var id = FieldMessage.ReadGuid(first.Value.Payload.Span, FrameType.Query);
                byte status = (byte)_agent.StatusOf(id);
                await _connection.Writer.SendAsync(FrameType.Status, [status], cancellationToken).ConfigureAwait(false);
                return;
            }
            if (first.Value.Type != FrameType.Hello)
            {
                throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, $"A connection must start with Hello or Query, not {first.Value.Type}.");
            }
            var hello = HelloMessage.Read(first.Value.Payload.Span);
            // Who may offer it is decided first: a stranger learns nothing of what is held here.
            string? refusal = await _agent.AuthorizeAsync(hello, _connection, cancellationToken).ConfigureAwait(false) ?? _agent.CheckIncoming(hello);
            if (refusal is not null)
            {
                await SendAbortAsync(refusal, cancellationToken).ConfigureAwait(false);
                return;
            }
            _hello = hello;
            Image = new Workload(hello.Workload, hello.Shape, WorkloadState.Paused);
            _agent.SetStatus(hello.MigrationId, MigrationStatus.InProgress);
            _agent.OnArrived(Image);
            var welcome = new WelcomeMessage(_agent.Name);
            await _connection.SendAsync(FrameType.Welcome, PayloadWriter.StringSize(_agent.Name), welcome, static (b, m) => m.Write(b), cancellationToken).ConfigureAwait(false);
            await ReceiveAsync(hello, cancellationToken).ConfigureAwait(false);
        }
        catch (MigrationProtocolException ex)
        {
            LogProtocolError(_logger, _agent.Name, _connection.Remote?.ToString() ?? "?", ex.Error, ex.Message);
            await SendAbortAsync(ex.Message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            // The source went away (or its TLS broke) or the agent is stopping: what to keep is decided below.
        }
        catch (Exception ex)
        {
            LogSessionFailed(_logger, _agent.Name, ex);
        }
        finally
        {
            EndWithoutActivation();
            _agent.Untrack(_connection);
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<Frame?> ReadFirstAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_agent.Options.HandshakeTimeout);
        try
        {
            return await _connection.Reader.ReadAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task ReceiveAsync(HelloMessage hello, CancellationToken cancellationToken)
    {
        var image = Image;
        while (true)
        {
            var frame = await _connection.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (frame is null)
            {
                return;
            }
            var (type, payload) = frame.Value;
            switch (type)
            {
                case FrameType.Pages:
                case FrameType.Blocks:
                case FrameType.DeviceState:
                    Receive(type, payload.Span);
                    break;
                case FrameType.StateComplete:
                    var ready = Complete(StateCompleteMessage.Read(payload.Span));
                    await _connection.SendAsync(FrameType.Ready, ReadyMessage.Size, ready, static (b, m) => m.Write(b), cancellationToken).ConfigureAwait(false);
                    break;
                case FrameType.Writes:
                    ulong sequence = ApplyWrites(payload.Span);
                    await _connection.SendAsync(FrameType.WritesApplied, 8, sequence, static (b, s) => FieldMessage.WriteUInt64(b, s), cancellationToken).ConfigureAwait(false);
                    break;
                case FrameType.Activate:
                    if (FieldMessage.ReadGuid(payload.Span, FrameType.Activate) != hello.MigrationId)
                    {
                        throw new MigrationProtocolException(ProtocolError.Malformed, "The activation names another migration.");
                    }
                    Activate();
                    await _connection.Writer.SendAsync(FrameType.Resumed, ReadOnlySpan<byte>.Empty, cancellationToken).ConfigureAwait(false);
                    break;
                case FrameType.Abort:
                    string reason = FieldMessage.ReadString(payload.Span, FrameType.Abort);
                    LogAborted(_logger, _agent.Name, image.Name, reason);
                    Discard();
                    return;
                default:
                    throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, $"{type} is not expected from a source.");
            }
        }
    }

    private void Receive(FrameType type, ReadOnlySpan<byte> payload)
    {
        // Checks first, so a bad frame never reaches the copy.
        if (type == FrameType.DeviceState)
        {
            if (payload.Length != Image.DeviceState.Length)
            {
                throw new MigrationProtocolException(ProtocolError.Malformed, $"Device state of {payload.Length} bytes; the workload has {Image.DeviceState.Length}.");
            }
        }
        else
        {
            var region = type == FrameType.Pages ? Image.Memory : Image.Disk;
            _ = UnitBatch.Read(payload, type, region.UnitSize, region.UnitCount);
        }
        lock (_lock)
        {
            if (_activated || _discarded)
            {
                throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, $"{type} after the copy was activated or discarded.");
            }
            if (_hello!.Mode == MigrationMode.Warm && _complete)
            {
                // A checkpoint in progress: staged until it is complete.
                _staged.Add((type, payload.ToArray()));
                return;
            }
            Apply(type, payload);
        }
    }

    private void Apply(FrameType type, ReadOnlySpan<byte> payload)
    {
        if (type == FrameType.DeviceState)
        {
            Image.LoadDeviceState(payload);
            return;
        }
        var region = type == FrameType.Pages ? Image.Memory : Image.Disk;
        var batch = UnitBatch.Read(payload, type, region.UnitSize, region.UnitCount);
        for (int i = 0; i < batch.Count; i++)
        {
            region.Load(batch.Index(i), batch.Unit(i));
        }
    }

    private ReadyMessage Complete(StateCompleteMessage message)
    {
        lock (_lock)
        {
            if (_activated || _discarded)
            {
                throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, "StateComplete after the copy was activated or discarded.");
            }
            foreach (var (type, payload) in _staged)
            {
                Apply(type, payload);
            }
            _staged.Clear();
            // Hash 0 means the source did not verify: skip the work.
            var hash = message.Hash.Value == 0 ? default : Image.ComputeStateHash();
            bool verified = message.Hash.Value != 0 && hash == message.Hash;
            _complete = true;
            if (_hello!.Mode is MigrationMode.Warm or MigrationMode.HotStandby && !_isStandby)
            {
                _isStandby = true;
                Image.MakeStandby();
                _agent.AddStandby(this);
                _agent.SetStatus(_hello.MigrationId, MigrationStatus.Standby);
            }
            LastComplete = new CheckpointInfo(message.Sequence, hash, _agent.Time.GetTimestamp(), verified);
            return new ReadyMessage(message.Sequence, verified, hash);
        }
    }

    /// <summary>The last complete state this copy holds.</summary>
    public CheckpointInfo? LastComplete { get; private set; }

    private ulong ApplyWrites(ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            if (_hello!.Mode != MigrationMode.HotStandby || !_complete || _activated || _discarded)
            {
                throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, "Writes are only for a synchronised hot standby.");
            }
            return WriteBatch.Apply(payload, Image);
        }
    }

    private void Activate()
    {
        lock (_lock)
        {
            if (!_complete || _activated || _discarded)
            {
                throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, "Activate before the state was complete, or twice.");
            }
            // A checkpoint cut short is dropped: a standby resumes from its last complete one.
            _staged.Clear();
            _activated = true;
            Image.Resume();
            _agent.Adopt(this);
            _agent.SetStatus(_hello!.MigrationId, MigrationStatus.Running);
        }
        LogActivated(_logger, _agent.Name, Image.Name, _hello.Mode);
    }

    /// <summary>Unplanned failover of a standby at this agent; the connection to the primary is cut.</summary>
    public void ActivateLocally()
    {
        lock (_lock)
        {
            if (_activated || _discarded)
            {
                throw new InvalidOperationException($"The standby of '{Image.Name}' was already activated or discarded.");
            }
            _staged.Clear();
            _activated = true;
            Image.Resume();
            _agent.Adopt(this);
            _agent.SetStatus(_hello!.MigrationId, MigrationStatus.Running);
        }
        _connection.Abort();
        LogActivated(_logger, _agent.Name, Image.Name, _hello.Mode);
    }

    private void Discard()
    {
        lock (_lock)
        {
            if (_activated || _discarded)
            {
                return;
            }
            _discarded = true;
            _staged.Clear();
            _agent.RemoveStandby(this);
            _agent.SetStatus(_hello!.MigrationId, MigrationStatus.Discarded);
        }
        Image.Stop();
    }

    private void EndWithoutActivation()
    {
        if (_hello is null)
        {
            return;
        }
        bool keep;
        lock (_lock)
        {
            // A standby outlives its primary: that is what it is for.
            keep = _isStandby && !_discarded;
            _staged.Clear();
        }
        if (!keep)
        {
            Discard();
        }
    }

    private async Task SendAbortAsync(string reason, CancellationToken cancellationToken)
    {
        try
        {
            await _connection.SendAsync(FrameType.Abort, PayloadWriter.StringSize(reason), reason, static (b, r) => FieldMessage.WriteString(b, r), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is gone; it learns nothing more from us.
        }
    }

    [LoggerMessage(10, LogLevel.Warning, "Agent {Agent}: protocol error from {Remote} ({Error}): {Message}")]
    private static partial void LogProtocolError(ILogger logger, string agent, string remote, ProtocolError error, string message);

    [LoggerMessage(11, LogLevel.Error, "Agent {Agent}: an incoming migration failed")]
    private static partial void LogSessionFailed(ILogger logger, string agent, Exception exception);

    [LoggerMessage(12, LogLevel.Information, "Agent {Agent}: the source aborted the move of {Workload}: {Reason}")]
    private static partial void LogAborted(ILogger logger, string agent, string workload, string reason);

    [LoggerMessage(13, LogLevel.Information, "Agent {Agent}: {Workload} runs here ({Mode})")]
    private static partial void LogActivated(ILogger logger, string agent, string workload, MigrationMode mode);
}
