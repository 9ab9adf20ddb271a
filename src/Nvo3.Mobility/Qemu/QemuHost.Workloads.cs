using Nvo3.Migration;
using Nvo3.Mobility.Agent;
using Nvo3.Mobility.Emulated;
using Nvo3.Nva;
using Nvo3.Qemu.Migration;
using Nvo3.Qemu.Qmp;

namespace Nvo3.Mobility.Qemu;

/// <summary>The QEMU guests as the agent serves them (<see cref="IWorkloadHost"/>): listed, moved with <c>nvo3 migrate</c>, received.</summary>
public sealed partial class QemuHost
{
    /// <inheritdoc />
    public string Kind => "qemu";

    /// <inheritdoc />
    public IReadOnlyList<HostedWorkload> Workloads => [.. _guests.Values.Select(g => new HostedWorkload(g.Name, Kind, g.Spec.Vni, g.Spec.Mac, g.Spec.Ips,
        g.Vm.HasExited ? "exited" : "running", (long)g.Spec.MemoryMiB << 20, 0, g.Vm.Pid))];

    /// <inheritdoc />
    public bool Runs(string name) => _guests.ContainsKey(name);

    /// <summary>
    /// Moves guest <paramref name="name"/> hot or cold to the NVE <paramref name="destination"/> of
    /// another process, its agent found in the directory; the old port here goes once its redirect
    /// has run out.
    /// </summary>
    public async Task<MoveReport> MigrateAsync(string name, string destination, MigrationMode mode, MoveSettings settings, IProgress<MigrationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var guest = Find(name) ?? throw new NvaException(NvaError.NotFound, $"No QEMU guest named '{name}' runs at {edge.Name}.");
        if (mode is not (MigrationMode.Hot or MigrationMode.Cold))
        {
            throw new NvaException(NvaError.InvalidArgument, $"A QEMU guest moves hot or cold, not {mode.ToString().ToLowerInvariant()}.");
        }
        using var remote = await RemoteAgent.OfAsync(nva, destination, cancellationToken).ConfigureAwait(false);
        var move = new Move(nva, new MoveRequest(name, guest.Spec.Vni, guest.Spec.Mac, guest.Spec.Ips, mode), new EdgeControl(edge), new AgentControl(destination, remote.Ports));
        var options = new QemuMigrationOptions
        {
            AutoConverge = settings.AutoConverge,
            Parameters = new MigrationParameters { MaxBandwidth = (long?)settings.Bandwidth, DowntimeLimitMs = (long)settings.DowntimeLimit.TotalMilliseconds },
        };
        var report = await move.RunAsync(new QemuDriver(this, remote.Arrivals, options), progress, cancellationToken).ConfigureAwait(false);
        if (report.Outcome == MigrationOutcome.Completed)
        {
            _ = ReleaseLaterAsync(move);
        }
        return report;
    }

    /// <inheritdoc />
    public Task<ArrivalEndpoint> PrepareArrivalAsync(Arrival arrival, CancellationToken cancellationToken) => ListenAsync(arrival, cancellationToken);

    /// <inheritdoc />
    public Task CancelArrivalAsync(Arrival arrival, CancellationToken cancellationToken) => CancelAsync(arrival, cancellationToken);

    // The old port goes once the redirect has run out; a failure leaves it to the NVE's own expiry.
    private static async Task ReleaseLaterAsync(Move move)
    {
        try
        {
            await move.ReleaseAsync(TimeSpan.FromMinutes(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or NvaException)
        {
            // Nothing to undo: the move completed.
        }
    }
}
