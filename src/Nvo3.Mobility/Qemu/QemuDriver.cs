using Nvo3.Migration;
using Nvo3.Mobility.Emulated;
using Nvo3.Nva;
using Nvo3.Nve;
using Nvo3.Qemu.Migration;
using Nvo3.Qemu.Qmp;

namespace Nvo3.Mobility.Qemu;

/// <summary>
/// The driver of QEMU guests for the <see cref="Move"/>: the destination QEMU starts with
/// <c>-incoming defer</c> on a pre-associated port (<see cref="IQemuArrivals.ListenAsync"/>); a hot
/// move migrates with pause-before-switchover and calls <see cref="Move.PauseAsync"/> at
/// <c>pre-switchover</c> (the source's redirect goes in while the guest is paused), then
/// <c>migrate-continue</c>; the destination NVE activates on QEMU's RARP self-announce. A cold
/// move stops the guest and suspends its old port at once. Giving up is <c>migrate_cancel</c>
/// (the source guest runs again) and the destination QEMU ended.
/// </summary>
public sealed class QemuDriver(QemuHost source, IQemuArrivals destination, QemuMigrationOptions? options = null) : IWorkloadDriver
{
    private ArrivalEndpoint? _ready;
    private QemuMigration? _migration;

    /// <inheritdoc />
    public string Kind => "qemu";

    /// <summary>QEMU's own figures of the last transfer (downtime, total time, bytes), once it completed.</summary>
    public QemuMigrationResult? LastResult { get; private set; }

    /// <inheritdoc />
    public async Task PrepareAsync(Move move, CancellationToken cancellationToken) =>
        _ready = await destination.ListenAsync(ArrivalOf(move, Guest(move)), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MigrationResult> TransferAsync(Move move, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        var ready = _ready ?? throw new InvalidOperationException("Prepare the destination first.");
        var guest = Guest(move);
        var arrival = ArrivalOf(move, guest);
        _migration = new QemuMigration(guest.Vm, new Prepared(destination, arrival, ready), (options ?? new QemuMigrationOptions()) with { PauseBeforeSwitchover = true });
        var figures = progress is null ? null : new Progress(move.Record?.Id, progress);
        var result = move.Request.Mode == MigrationMode.Cold
            ? await _migration.ColdAsync(ct => move.PauseAsync(ct), figures, cancellationToken).ConfigureAwait(false)
            : await _migration.HotAsync((_, ct) => PauseAsync(move, guest, ct), figures, cancellationToken).ConfigureAwait(false);
        move.MarkRunning();
        LastResult = result;
        await source.LeftAsync(guest).ConfigureAwait(false);
        return new MigrationResult
        {
            Id = Guid.NewGuid(),
            Workload = guest.Name,
            Mode = move.Request.Mode,
            Outcome = MigrationOutcome.Completed,
            MemoryBytes = result.MemoryBytes ?? 0,
            MemoryBytesSent = result.TransferredBytes ?? 0,
            BytesSent = result.TransferredBytes ?? 0,
            Rounds = (int)(result.Rounds ?? 0),
            // QEMU's downtime for a hot move; a cold move's guest is stopped from stop to cont.
            Downtime = TimeSpan.FromMilliseconds(move.Request.Mode == MigrationMode.Cold ? result.StoppedMs : result.DowntimeMs ?? result.WallMs),
            TotalTime = TimeSpan.FromMilliseconds(result.TotalTimeMs ?? result.WallMs),
        };
    }

    /// <summary>Frames the source NVE sent after the guest took its last: read back from its socket after the redirect went in, and sent after the guest.</summary>
    public int LeftBehind { get; private set; }

    // The switchover: the source's redirect goes in, then what the paused guest never read follows it.
    private async Task PauseAsync(Move move, QemuGuest guest, CancellationToken cancellationToken)
    {
        await move.PauseAsync(cancellationToken).ConfigureAwait(false);
        var frames = new FrameBatch();
        while (guest.Nic.DrainGuestEnd(frames) > 0)
        {
            LeftBehind += source.Edge.ForwardLeftBehind(move.Request.Vni, move.Request.Mac, frames);
        }
    }

    /// <inheritdoc />
    public async Task AbortAsync(Move move, string reason, CancellationToken cancellationToken)
    {
        if (_migration is { } migration && !migration.Source.HasExited)
        {
            try
            {
                await migration.CancelAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is QmpException or QemuMigrationException or IOException)
            {
                // HotAsync cancels on its own failures; a second cancel finds nothing to do.
            }
        }
        await destination.CancelAsync(ArrivalOf(move, Guest(move)), cancellationToken).ConfigureAwait(false);
    }

    private QemuGuest Guest(Move move) => source.Find(move.Request.Workload)
        ?? throw new NvaException(NvaError.NotFound, $"No QEMU guest named '{move.Request.Workload}' runs at {source.Edge.Name}.");

    private static Arrival ArrivalOf(Move move, QemuGuest guest) => Arrival.Of(move) with { Kind = "qemu", MemoryMiB = guest.Spec.MemoryMiB };

    // QEMU's query-migrate figures as the orchestrator's progress (what nvo3 migrate displays).
    private sealed class Progress(string? id, IProgress<MigrationProgress> progress) : IProgress<MigrationInfo>
    {
        private readonly Guid _id = Guid.TryParse(id, out var parsed) ? parsed : Guid.NewGuid();

        public void Report(MigrationInfo value) => progress.Report(new MigrationProgress(_id,
            value.Status == MigrationStatus.PreSwitchover ? MigrationPhase.Paused : MigrationPhase.PreCopy,
            (int)(value.Rounds ?? 0), value.TransferredBytes ?? 0, value.RemainingBytes ?? 0,
            (value.DirtyPagesRate ?? 0) * (value.PageSize ?? 4096), (value.Mbps ?? 0) * 1e6 / 8, (value.CpuThrottlePercentage ?? 0) / 100.0,
            value.Mbps is > 0 && value.RemainingBytes is { } remaining ? TimeSpan.FromSeconds(remaining / (value.Mbps.Value * 1e6 / 8)) : null));
    }

    // The destination as its host readied it: the stream's address is known; completion is its arrival.
    private sealed class Prepared(IQemuArrivals arrivals, Arrival arrival, ArrivalEndpoint ready) : IQemuDestination
    {
        public string Name => arrival.Workload;

        public Task<QemuIncoming> ListenAsync(QemuListenRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new QemuIncoming(ready.Endpoint, ready.DiskHost, ready.DiskPort));

        public Task CompleteAsync(bool continueGuest, CancellationToken cancellationToken) => arrivals.ArriveAsync(arrival, cancellationToken);
    }
}
