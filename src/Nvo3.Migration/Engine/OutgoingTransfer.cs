using System.Net;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration;

/// <summary>
/// The source side of one connection to a destination agent: the handshake, pre-copy rounds,
/// the final pass, state completion, the activation, and the query that resolves an activation
/// whose answer was lost. Every mode builds on it. It owns its connection; one task sends at a
/// time (the mode's own lock sees to it); the <see cref="ControlChannel"/> receives.
/// </summary>
internal sealed class OutgoingTransfer : IAsyncDisposable
{
    private readonly MigrationAgent _agent;
    private readonly Workload _workload;
    private readonly TransferSettings _settings;
    private readonly TimeProvider _time;
    private readonly IProgress<MigrationProgress>? _progress;
    private readonly List<int> _indices = [];
    private readonly List<RoundFigures> _rounds = [];
    private readonly EndPoint _destination;

    private OutgoingTransfer(MigrationAgent agent, Workload workload, EndPoint destination, MigrationConnection connection, TransferSettings settings,
        IProgress<MigrationProgress>? progress, Guid id)
    {
        _agent = agent;
        _workload = workload;
        _destination = destination;
        Connection = connection;
        Control = new ControlChannel(connection);
        _settings = settings;
        _time = agent.Time;
        _progress = progress;
        Id = id;
    }

    public Guid Id { get; }

    public MigrationConnection Connection { get; }

    public ControlChannel Control { get; }

    public MigrationContext Context { get; private set; } = null!;

    public long MemoryBytesSent { get; private set; }

    public long DiskBytesSent { get; private set; }

    public long DeviceBytesSent { get; private set; }

    public long BytesSent => Connection.Writer.BytesWritten;

    public IReadOnlyList<RoundFigures> Rounds => _rounds;

    /// <summary>Pre-copy rounds made (the final pass excluded).</summary>
    public int PreCopyRounds { get; private set; }

    public double Throttle { get; private set; }

    public double Bandwidth => Connection.Meter.BytesPerSecond ?? 0;

    public static async Task<OutgoingTransfer> OpenAsync(MigrationAgent agent, Workload workload, EndPoint destination, MigrationMode mode,
        TransferSettings settings, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        var connection = await MigrationConnection.ConnectAsync(destination, settings, agent.Options.Security, agent.Time, cancellationToken).ConfigureAwait(false);
        var transfer = new OutgoingTransfer(agent, workload, destination, connection, settings, progress, Guid.NewGuid());
        agent.Track(connection);
        try
        {
            var hello = new HelloMessage(transfer.Id, mode, workload.Name, agent.Name, workload.Shape);
            await connection.SendAsync(FrameType.Hello, hello.Size, hello, static (b, m) => m.Write(b), cancellationToken).ConfigureAwait(false);
            var welcome = WelcomeMessage.Read(await transfer.Control.ExpectAsync(FrameType.Welcome, settings.ReplyTimeout, cancellationToken).ConfigureAwait(false));
            transfer.Context = new MigrationContext(transfer.Id, workload.Name, mode, agent.Name, welcome.Agent, destination);
            transfer.Report(MigrationPhase.Prepared, 0, 0, 0);
            return transfer;
        }
        catch
        {
            await transfer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Iterative pre-copy: round 0 sends all memory and disk, each next round what was dirtied
    /// meanwhile, until the rest fits in the downtime limit at the measured bandwidth or the round
    /// limit is reached. The workload keeps running throughout.
    /// </summary>
    public async Task<(SwitchoverReason Reason, TimeSpan Predicted)> PreCopyAsync(PreCopySettings settings, CancellationToken cancellationToken)
    {
        var converge = new AutoConverge(settings);
        _workload.Memory.Dirty.SetAll();
        _workload.Disk.Dirty.SetAll();
        for (int round = 0; ; round++)
        {
            var figures = await SendRoundAsync(round, final: false, cancellationToken).ConfigureAwait(false);
            PreCopyRounds = round + 1;
            long left = figures.DirtyBytesLeft;
            double? bandwidth = Connection.Meter.BytesPerSecond;
            bool converged = SwitchoverRule.CanSwitchOver(left, bandwidth, settings.DowntimeLimit, out var predicted);
            Report(MigrationPhase.PreCopy, round, left, figures.DirtyRate);
            if (converged)
            {
                return (SwitchoverReason.Converged, predicted);
            }
            if (round + 1 >= settings.MaxRounds)
            {
                return (SwitchoverReason.MaxRounds, predicted);
            }
            Throttle = converge.AfterRound(round, left, figures.BytesSent);
            _workload.Throttle = Throttle;
        }
    }

    /// <summary>Takes the dirty pages and blocks and sends them in batches; returns the round's figures.</summary>
    public async Task<RoundFigures> SendRoundAsync(int round, bool final, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        long before = BytesSent;
        int pages = await SendDirtyAsync(FrameType.Pages, _workload.Memory, (uint)round, cancellationToken).ConfigureAwait(false);
        int blocks = await SendDirtyAsync(FrameType.Blocks, _workload.Disk, (uint)round, cancellationToken).ConfigureAwait(false);
        MemoryBytesSent += (long)pages * Workload.PageSize;
        DiskBytesSent += (long)blocks * _workload.Disk.UnitSize;
        var duration = _time.GetElapsedTime(started);
        long left = DirtyBytes;
        var figures = new RoundFigures(round, final, pages, blocks, BytesSent - before, duration, left,
            duration > TimeSpan.Zero ? left / duration.TotalSeconds : 0, Bandwidth, _workload.Throttle);
        _rounds.Add(figures);
        return figures;
    }

    /// <summary>Memory and disk bytes dirty now.</summary>
    public long DirtyBytes => (long)_workload.Memory.Dirty.Count() * Workload.PageSize + (long)_workload.Disk.Dirty.Count() * _workload.Disk.UnitSize;

    private async Task<int> SendDirtyAsync(FrameType type, TrackedRegion region, uint round, CancellationToken cancellationToken)
    {
        _indices.Clear();
        int count = region.Dirty.Take(_indices);
        int perFrame = UnitBatch.Fit(_settings.FramePayloadBytes, region.UnitSize);
        for (int at = 0; at < count; at += perFrame)
        {
            Control.ThrowIfFailed();
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(perFrame, count - at);
            var buffer = Connection.Writer.GetPayloadBuffer(UnitBatch.SizeOf(n, region.UnitSize));
            int length = UnitBatch.Write(buffer.Span, round, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_indices).Slice(at, n), region);
            await Connection.Writer.SendAsync(type, length, cancellationToken).ConfigureAwait(false);
        }
        return count;
    }

    public async Task SendDeviceStateAsync(byte[] state, CancellationToken cancellationToken)
    {
        Control.ThrowIfFailed();
        await Connection.Writer.SendAsync(FrameType.DeviceState, state, cancellationToken).ConfigureAwait(false);
        DeviceBytesSent += state.Length;
    }

    /// <summary>Sends a pre-encoded frame (a checkpoint staged while the workload was paused).</summary>
    public ValueTask SendStagedAsync(FrameType type, byte[] payload, CancellationToken cancellationToken)
    {
        Control.ThrowIfFailed();
        return Connection.Writer.SendAsync(type, payload, cancellationToken);
    }

    public void CountStaged(long memoryBytes, long diskBytes, long deviceBytes)
    {
        MemoryBytesSent += memoryBytes;
        DiskBytesSent += diskBytes;
        DeviceBytesSent += deviceBytes;
    }

    /// <summary>Marks the state complete and waits for the destination to apply and hash it.</summary>
    public async Task<ReadyMessage> CompleteAsync(ulong sequence, StateHash hash, CancellationToken cancellationToken)
    {
        var message = new StateCompleteMessage(sequence, hash);
        await Connection.SendAsync(FrameType.StateComplete, StateCompleteMessage.Size, message, static (b, m) => m.Write(b), cancellationToken).ConfigureAwait(false);
        var ready = ReadyMessage.Read(await Control.ExpectAsync(FrameType.Ready, _settings.ReplyTimeout, cancellationToken).ConfigureAwait(false));
        if (ready.Sequence != sequence)
        {
            throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, $"The destination acknowledged state {ready.Sequence}, not {sequence}.");
        }
        return ready;
    }

    /// <summary>Sends the activation and waits for the destination to report the workload running.</summary>
    public async Task ActivateAsync(CancellationToken cancellationToken)
    {
        await _agent.Faults.BeforeActivateSentAsync().ConfigureAwait(false);
        await Connection.SendAsync(FrameType.Activate, 16, Id, static (b, id) => FieldMessage.WriteGuid(b, id), cancellationToken).ConfigureAwait(false);
        await _agent.Faults.AfterActivateSentAsync().ConfigureAwait(false);
        FieldMessage.ReadEmpty(await Control.ExpectAsync(FrameType.Resumed, _settings.ReplyTimeout, cancellationToken).ConfigureAwait(false), FrameType.Resumed);
    }

    /// <summary>Tells the destination to discard what it holds (best effort, briefly), then resets the connection.</summary>
    public async Task AbortAsync(string reason)
    {
        if (Control.Failure is null)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await Connection.SendAsync(FrameType.Abort, PayloadWriter.StringSize(reason), reason, static (b, r) => FieldMessage.WriteString(b, r), limit.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection is already gone; the destination discards on its own when it sees that.
            }
        }
        Connection.Abort();
    }

    /// <summary>
    /// After the connection failed past the activation: asks the destination on fresh connections
    /// whether it runs the workload, until it answers Running, Discarded or Unknown, or the
    /// attempts run out (then InProgress: in doubt).
    /// </summary>
    public async Task<MigrationStatus> ResolveAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < _settings.ResolveAttempts; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(_settings.ResolveInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            try
            {
                var status = await QueryAsync(_destination, Id, _settings, _agent.Options.Security, _time, cancellationToken).ConfigureAwait(false);
                if (status != MigrationStatus.InProgress)
                {
                    return status;
                }
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
                // The destination cannot be reached now; try again.
            }
        }
        return MigrationStatus.InProgress;
    }

    /// <summary>Asks the agent at <paramref name="destination"/> what became of migration <paramref name="id"/>.</summary>
    public static async Task<MigrationStatus> QueryAsync(EndPoint destination, Guid id, TransferSettings settings, Nvo3.Security.TransportSecurity security, TimeProvider time,
        CancellationToken cancellationToken)
    {
        await using var connection = await MigrationConnection.ConnectAsync(destination, settings, security, time, cancellationToken).ConfigureAwait(false);
        await connection.SendAsync(FrameType.Query, 16, id, static (b, i) => FieldMessage.WriteGuid(b, i), cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(settings.ReplyTimeout);
        Frame? reply;
        try
        {
            reply = await connection.Reader.ReadAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("The destination did not answer the status query.");
        }
        if (reply is not { Type: FrameType.Status } frame || frame.Payload.Length != 1 || !Enum.IsDefined((MigrationStatus)frame.Payload.Span[0]))
        {
            throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, "The destination did not answer the status query with a status.");
        }
        return (MigrationStatus)frame.Payload.Span[0];
    }

    public void Report(MigrationPhase phase, int round, long dirtyBytes, double dirtyRate)
    {
        if (_progress is null)
        {
            return;
        }
        double bandwidth = Bandwidth;
        TimeSpan? remaining = bandwidth > 0 ? TimeSpan.FromSeconds(dirtyBytes / bandwidth) : null;
        _progress.Report(new MigrationProgress(Id, phase, round, BytesSent, dirtyBytes, dirtyRate, bandwidth, _workload.Throttle, remaining));
    }

    public async ValueTask DisposeAsync()
    {
        _agent.Untrack(Connection);
        await Connection.DisposeAsync().ConfigureAwait(false);
        await Control.Completion.ConfigureAwait(false);
    }
}
