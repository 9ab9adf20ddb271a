using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nve;

namespace Nvo3.Mobility;

/// <summary>
/// One move of a workload between two NVEs, the network's side of it written once for every kind
/// of workload (DESIGN 7, "Orchestration of a hot move"): the NVA records it and the destination
/// pre-associates (<see cref="BeginAsync"/>, <see cref="PreparedAsync"/>); at the switchover the
/// source's redirect starts (<see cref="PauseAsync"/>); the destination activates on the
/// workload's announcement (<see cref="ActivateAsync"/>); the NVA commits
/// (<see cref="CommitAsync"/>) and the old port goes once its redirect ran out
/// (<see cref="ReleaseAsync"/>); or everything is put back before the switchover
/// (<see cref="AbortAsync"/>). <see cref="RunAsync"/> takes the steps in order around a
/// <see cref="IWorkloadDriver"/>; tests may take them one at a time.
/// </summary>
public sealed partial class Move(
    IMigrationDirectory nva,
    MoveRequest request,
    INveControl source,
    INveControl destination,
    TimeProvider? timeProvider = null,
    ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private Task? _pauseRecorded;

    /// <summary>What moves.</summary>
    public MoveRequest Request => request;

    /// <summary>The NVE it leaves.</summary>
    public INveControl Source => source;

    /// <summary>The NVE it goes to.</summary>
    public INveControl Destination => destination;

    /// <summary>The clock of its timestamps.</summary>
    public TimeProvider Time { get; } = timeProvider ?? TimeProvider.System;

    /// <summary>The NVA's record, once <see cref="BeginAsync"/> made it.</summary>
    public Nva.Migration? Record { get; private set; }

    /// <summary>Where it stands.</summary>
    public MigrationPhase Phase { get; private set; } = MigrationPhase.Prepared;

    /// <summary>Where the source's redirect sends packets in flight, once paused (null without one).</summary>
    public string? RedirectTo { get; private set; }

    /// <summary>When the NVA recorded it (timestamp ticks).</summary>
    public long BegunTicks { get; private set; }

    /// <summary>When the source paused (the switchover), 0 before.</summary>
    public long PausedTicks { get; private set; }

    /// <summary>When the workload ran at the destination (the driver said so, or the transfer ended), 0 before.</summary>
    public long RunningTicks { get; private set; }

    /// <summary>When the destination NVE was seen to activate it, 0 before.</summary>
    public long ActivatedTicks { get; private set; }

    /// <summary>Steps 1–2 (the directory's part): records the move; the destination pre-associates any port attached there for the binding.</summary>
    public async Task BeginAsync(CancellationToken cancellationToken = default)
    {
        BegunTicks = Time.GetTimestamp();
        Record = await nva.BeginMigrationAsync(new BeginMigrationRequest(null, request.Vni, request.Mac, destination.Name, request.Mode), cancellationToken).ConfigureAwait(false);
        Log.Begun(_logger, request.Workload, source.Name, destination.Name, request.Mode, Record.Id);
    }

    /// <summary>
    /// Step 2 (the NVEs' part), once the driver attached the arriving port: waits until the
    /// destination holds it Pending and, when packets in flight will be redirected, until the
    /// source knows where they go.
    /// </summary>
    public async Task PreparedAsync(CancellationToken cancellationToken = default)
    {
        RequireRecord();
        await Poll.UntilAsync(async ct => await destination.PortStateAsync(request.Vni, request.Mac, ct).ConfigureAwait(false) == PortState.Pending,
            $"{destination.Name} to pre-associate {request.Workload}", cancellationToken).ConfigureAwait(false);
        if (request.Redirects)
        {
            await Poll.UntilAsync(async ct => await source.PreparedAsync(request.Vni, request.Mac, ct).ConfigureAwait(false) is not null,
                $"{source.Name} to learn where {request.Workload} goes", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Step 4, called by the driver at the switchover: the source's port pauses and its redirect
    /// starts at once (the NVA's record of the pause follows without holding the switchover up);
    /// for a cold move the stopped task's port is suspended instead.
    /// </summary>
    public async Task PauseAsync(CancellationToken cancellationToken = default)
    {
        var record = RequireRecord();
        PausedTicks = Time.GetTimestamp();
        Phase = MigrationPhase.Paused;
        if (!request.Redirects)
        {
            await source.SuspendAsync(request.Vni, request.Mac, request.Suspend, cancellationToken).ConfigureAwait(false);
            return;
        }
        RedirectTo = await source.PauseAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
        _pauseRecorded = nva.PauseMigrationAsync(record.Id, CancellationToken.None);
    }

    /// <summary>The driver's word that the workload runs at the destination now (the first call counts).</summary>
    public void MarkRunning()
    {
        if (RunningTicks == 0)
        {
            RunningTicks = Time.GetTimestamp();
        }
    }

    /// <summary>
    /// Step 5, once the workload runs at the destination: the port there resumes and the workload's
    /// first announcement (or the grace timer, for a silent one) activates it; waits for that.
    /// </summary>
    public async Task ActivateAsync(CancellationToken cancellationToken = default)
    {
        MarkRunning();
        Phase = MigrationPhase.Activating;
        await destination.ResumeAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
        await Poll.UntilAsync(async ct => await destination.PortStateAsync(request.Vni, request.Mac, ct).ConfigureAwait(false) == PortState.Active,
            $"{destination.Name} to activate {request.Workload}", cancellationToken).ConfigureAwait(false);
        ActivatedTicks = Time.GetTimestamp();
        Phase = MigrationPhase.Activated;
        if (_pauseRecorded is { } recorded)
        {
            await recorded.ConfigureAwait(false);
        }
    }

    /// <summary>Step 6: waits until the NVA has the activation (the destination confirmed it) and commits: the source is disassociated.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        var record = RequireRecord();
        await Poll.UntilAsync(async ct => (await nva.GetMigrationAsync(record.Id, ct).ConfigureAwait(false)).Phase == MigrationPhase.Activated,
            $"the NVA to record {request.Workload} active at {destination.Name}", cancellationToken).ConfigureAwait(false);
        Record = await nva.CommitMigrationAsync(record.Id, cancellationToken).ConfigureAwait(false);
        Phase = MigrationPhase.Completed;
        Log.Completed(_logger, request.Workload, destination.Name, Record.Id);
    }

    /// <summary>
    /// After the move: once the source's redirect has run out, its port for the workload goes —
    /// unless the workload is coming back meanwhile (a next move to this NVE made the port Pending
    /// again, or it is Active): that port is the new arrival's now.
    /// </summary>
    public async Task ReleaseAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await Poll.UntilAsync(async ct => !await source.RedirectRunsAsync(request.Vni, request.Mac, ct).ConfigureAwait(false),
            $"{source.Name}'s redirect for {request.Workload} to run out", cancellationToken, timeout ?? TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        if (await source.PortStateAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false) is PortState.Pending or PortState.Active)
        {
            return;
        }
        await source.DetachAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives the move up before the switchover completed: the NVA forgets it, the source's port is
    /// active again (no redirect), the destination's arriving port goes. Every step is tried even
    /// when one fails (an end that is gone has nothing to undo); the failures are returned.
    /// </summary>
    public async Task<IReadOnlyList<string>> AbortAsync(string reason, CancellationToken cancellationToken = default)
    {
        var failures = new List<string>();
        if (Record is { } record)
        {
            await TryAsync(failures, "the NVA", () => nva.AbortMigrationAsync(record.Id, reason, cancellationToken)).ConfigureAwait(false);
        }
        if (await TryAsync(failures, source.Name, async () => await source.PortStateAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false)) is not null)
        {
            await TryAsync(failures, source.Name, async () =>
            {
                await source.ReactivateAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }
        await TryAsync(failures, destination.Name, () => destination.DetachAsync(request.Vni, request.Mac, cancellationToken)).ConfigureAwait(false);
        Phase = MigrationPhase.Aborted;
        Log.Aborted(_logger, request.Workload, reason);
        return failures;
    }

    private static async Task<T?> TryAsync<T>(List<string> failures, string where, Func<Task<T>> step)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failures.Add($"{where}: {ex.Message}");
            return default;
        }
    }

    private Nva.Migration RequireRecord() => Record ?? throw new InvalidOperationException("Begin the move first (BeginAsync).");

    /// <summary>Milliseconds between two of its timestamps (0 when either is unset).</summary>
    public double Milliseconds(long fromTicks, long toTicks) =>
        fromTicks == 0 || toTicks == 0 ? 0 : (toTicks - fromTicks) * 1000.0 / Time.TimestampFrequency;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Moving {Workload} from {Source} to {Destination} ({Mode}), migration {Id}")]
        public static partial void Begun(ILogger logger, string workload, string source, string destination, MigrationMode mode, string id);

        [LoggerMessage(2, LogLevel.Information, "{Workload} runs at {Destination} (migration {Id} committed)")]
        public static partial void Completed(ILogger logger, string workload, string destination, string id);

        [LoggerMessage(3, LogLevel.Warning, "The move of {Workload} was given up: {Reason}")]
        public static partial void Aborted(ILogger logger, string workload, string reason);

        [LoggerMessage(4, LogLevel.Warning, "The move of {Workload} went past its switchover, but {Step} failed: {Reason}")]
        public static partial void LateFailure(ILogger logger, string workload, string step, string reason);
    }
}
