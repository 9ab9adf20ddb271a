using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Nvo3.Qemu.Qmp;
using Nvo3.Qemu.Vm;

namespace Nvo3.Qemu.Migration;

/// <summary>
/// One move of a QEMU guest from <see cref="Source"/> to <see cref="Destination"/> (started with
/// <see cref="QemuVmOptions.Incoming"/> and the same device model), as steps a caller can
/// interleave with its own (the network's pre-associate, redirect and activation):
/// <see cref="PrepareDestinationAsync"/>, <see cref="MirrorDiskAsync"/> (with a disk),
/// <see cref="StartAsync"/>, <see cref="WaitForSwitchoverAsync"/>, <see cref="FinishDiskMirrorAsync"/>,
/// <see cref="ContinueAsync"/>, <see cref="WaitForCompletionAsync"/>; or <see cref="CancelAsync"/>
/// at any point before the switchover. <see cref="HotAsync"/> and <see cref="ColdAsync"/> run
/// the whole choreography. The order with a disk is libvirt's: mirror to the destination's NBD
/// export until in sync, migrate memory, and end the mirror while the source is paused at
/// pre-switchover, so the destination starts on a complete disk.
/// </summary>
public sealed partial class QemuMigration
{
    private readonly Stopwatch _clock = new();
    private double _switchoverStartedMs = double.NaN;
    private double _continuedMs;

    /// <summary>A move between two running QEMU processes.</summary>
    public QemuMigration(QemuVm source, QemuVm destination, QemuMigrationOptions? options = null)
    {
        Source = source;
        Destination = destination;
        Options = options ?? new QemuMigrationOptions();
        int port = Options.Port == 0 ? FreePort(Options.Host) : Options.Port;
        Uri = $"tcp:{FormatHost(Options.Host)}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The guest's QEMU now.</summary>
    public QemuVm Source { get; }

    /// <summary>The QEMU waiting for it.</summary>
    public QemuVm Destination { get; }

    /// <summary>How it moves.</summary>
    public QemuMigrationOptions Options { get; }

    /// <summary>The migration stream's address (tcp:HOST:PORT).</summary>
    public string Uri { get; }

    /// <summary>The last figures read from the source.</summary>
    public MigrationInfo? LastProgress { get; private set; }

    /// <summary>Capabilities both ends get: events always; pause-before-switchover and auto-converge as asked.</summary>
    private IEnumerable<(string, bool)> Capabilities(bool pauseBeforeSwitchover) =>
    [
        (MigrationCapability.Events, true),
        (MigrationCapability.PauseBeforeSwitchover, pauseBeforeSwitchover),
        (MigrationCapability.AutoConverge, Options.AutoConverge),
    ];

    /// <summary>
    /// The destination listens for the stream (<c>migrate-incoming</c>) with the same
    /// capabilities as the source, and with <see cref="QemuMigrationOptions.MirrorDisk"/> exports
    /// its disk over NBD.
    /// </summary>
    public async Task PrepareDestinationAsync(CancellationToken cancellationToken = default)
    {
        var qmp = Destination.Qmp;
        await qmp.SetMigrationCapabilitiesAsync(Capabilities(Options.PauseBeforeSwitchover), cancellationToken).ConfigureAwait(false);
        if (Options.MirrorDisk)
        {
            await ExportDestinationDiskAsync(cancellationToken).ConfigureAwait(false);
        }
        await qmp.MigrateIncomingAsync(Uri, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the source's capabilities and parameters and starts the migration (<c>migrate</c>).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var qmp = Source.Qmp;
        _clock.Start();
        await qmp.SetMigrationCapabilitiesAsync(Capabilities(Options.PauseBeforeSwitchover), cancellationToken).ConfigureAwait(false);
        if (Options.Parameters is { } parameters)
        {
            await qmp.SetMigrationParametersAsync(parameters, cancellationToken).ConfigureAwait(false);
        }
        await qmp.MigrateAsync(Uri, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Follows the source until it pauses at pre-switchover (or, without pause-before-switchover,
    /// until it completes), reporting figures to <paramref name="progress"/>. Throws
    /// <see cref="QemuMigrationException"/> when QEMU reports the migration failed or was cancelled.
    /// </summary>
    public async Task<MigrationInfo> WaitForSwitchoverAsync(IProgress<MigrationInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        var info = await FollowAsync(s => s is MigrationStatus.PreSwitchover or MigrationStatus.Completed, progress, cancellationToken).ConfigureAwait(false);
        _switchoverStartedMs = _clock.Elapsed.TotalMilliseconds;
        return info;
    }

    /// <summary>Leaves pre-switchover: QEMU sends the device state and the rest, and the destination takes over.</summary>
    public Task ContinueAsync(CancellationToken cancellationToken = default)
    {
        _continuedMs = _clock.Elapsed.TotalMilliseconds;
        return Source.Qmp.MigrateContinueAsync(MigrationStatus.PreSwitchover, cancellationToken);
    }

    /// <summary>
    /// Waits until the source reports completed and the destination has the guest (running, or
    /// paused when the source was stopped), stops the destination's NBD server after a mirror,
    /// and returns the figures.
    /// </summary>
    public async Task<QemuMigrationResult> WaitForCompletionAsync(string mode = "hot", IProgress<MigrationInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        var done = await FollowAsync(s => s == MigrationStatus.Completed, progress, cancellationToken).ConfigureAwait(false);
        // QEMU sets the status to completed a moment before it computes total-time and downtime
        // (both read 0 meanwhile): read again until they are there.
        for (int i = 0; i < 100 && done.TotalTimeMs is null or 0; i++)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            done = await Source.Qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        // The destination's own view: its incoming migration completed too.
        while (true)
        {
            var incoming = await Destination.Qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false);
            if (incoming.Status == MigrationStatus.Completed)
            {
                break;
            }
            if (incoming.Status is MigrationStatus.Failed or MigrationStatus.Cancelled)
            {
                throw new QemuMigrationException($"The destination {Destination.Name} reports the incoming migration {incoming.Status}: {incoming.ErrorDescription}", incoming.Status);
            }
            await Task.Delay(Options.ProgressInterval, cancellationToken).ConfigureAwait(false);
        }
        if (Options.MirrorDisk)
        {
            await Destination.Qmp.NbdServerStopAsync(cancellationToken).ConfigureAwait(false);
        }
        _clock.Stop();
        return new QemuMigrationResult
        {
            Mode = mode,
            TotalTimeMs = done.TotalTimeMs,
            DowntimeMs = done.DowntimeMs,
            SetupTimeMs = done.SetupTimeMs,
            TransferredBytes = done.TransferredBytes,
            MemoryBytes = done.TotalBytes,
            Rounds = done.Rounds,
            DiskBytes = _diskBytes,
            DiskMirrorMs = _diskMirrorMs,
            SwitchoverMs = double.IsNaN(_switchoverStartedMs) ? 0 : _continuedMs - _switchoverStartedMs,
            WallMs = _clock.Elapsed.TotalMilliseconds,
        };
    }

    /// <summary>
    /// Abandons the move before the switchover: <c>migrate_cancel</c> at the source, a running
    /// mirror cancelled, and the source guest running again (it resumes by itself when it was
    /// running; a paused pre-switchover source is continued). The destination QEMU is left to
    /// the caller to end. Returns QEMU's final status (cancelled, or failed if it failed first).
    /// </summary>
    public async Task<string> CancelAsync(CancellationToken cancellationToken = default)
    {
        var qmp = Source.Qmp;
        await qmp.MigrateCancelAsync(cancellationToken).ConfigureAwait(false);
        var info = await qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false);
        while (!MigrationStatus.IsFinal(info.Status) && info.Status != MigrationStatus.None)
        {
            await Task.Delay(Options.ProgressInterval, cancellationToken).ConfigureAwait(false);
            info = await qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        if (Options.MirrorDisk)
        {
            await CancelDiskMirrorAsync(cancellationToken).ConfigureAwait(false);
        }
        var status = await qmp.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
        if (!status.Running && status.Status is not QemuRunStatus.PostMigrate)
        {
            await qmp.ContinueAsync(cancellationToken).ConfigureAwait(false);
        }
        return info.Status;
    }

    // Reads query-migrate every ProgressInterval, and at once when a MIGRATION event says the
    // status changed (the guest is paused at pre-switchover: every millisecond until we notice
    // is downtime), until the status satisfies done; failed or cancelled throw.
    private async Task<MigrationInfo> FollowAsync(Func<string, bool> done, IProgress<MigrationInfo>? progress, CancellationToken cancellationToken)
    {
        using var changed = new SemaphoreSlim(0);
        using var subscription = Source.Qmp.Subscribe(e =>
        {
            if (e.Name == QmpEvent.Migration)
            {
                changed.Release();
            }
        });
        while (true)
        {
            var info = await Source.Qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false);
            LastProgress = info;
            progress?.Report(info);
            if (done(info.Status))
            {
                return info;
            }
            if (info.Status is MigrationStatus.Failed or MigrationStatus.Cancelled)
            {
                bool running = (await Source.Qmp.QueryStatusAsync(cancellationToken).ConfigureAwait(false)).Running;
                throw new QemuMigrationException(
                    $"The migration of {Source.Name} to {Destination.Name} {info.Status}{(info.ErrorDescription is { } why ? ": " + why : "")}; the guest {(running ? "still runs" : "is stopped")} at the source.",
                    info.Status, running);
            }
            await changed.WaitAsync(Options.ProgressInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A TCP port nobody listens on at <paramref name="host"/> now (the kernel's pick).</summary>
    internal static int FreePort(string host)
    {
        var address = IPAddress.Parse(host);
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
}
