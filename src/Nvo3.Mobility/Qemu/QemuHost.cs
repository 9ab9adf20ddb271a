using System.Collections.Concurrent;
using Nvo3.Mobility.Emulated;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nve;
using Nvo3.Qemu.Image;
using Nvo3.Qemu.Migration;
using Nvo3.Qemu.Vm;

namespace Nvo3.Mobility.Qemu;

/// <summary>
/// The QEMU guests beside one NVE, each NIC on an NVE port: QEMU's <c>-netdev dgram</c> on one end
/// of a unix datagram socket pair, the NVE's <see cref="UnixDatagramPort"/> on the other (no TAP,
/// no tc patch, nothing named to clean up; docs/qemu.md says why). The NVE treats the port like any
/// other: the directory's state decides Active or Pending, ARP and ND are answered, the guest's
/// announcements (QEMU's RARP after a migration) activate it. Also the destination side of a move
/// (<see cref="IQemuArrivals"/>): an incoming QEMU on a new, pre-associated port.
/// </summary>
public sealed partial class QemuHost(Edge edge, NvaClient nva, GuestImage image, QemuAccelerator? accelerator = null) : IQemuArrivals, IWorkloadHost, IAsyncDisposable
{
    // Between making a socket pair and marking the guest's end close-on-exec, every child this
    // process starts inherits that end; one QEMU at a time starts, so none gets another's.
    private static readonly SemaphoreSlim s_spawn = new(1, 1);

    private readonly ConcurrentDictionary<string, QemuGuest> _guests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Incoming> _arrivals = new(StringComparer.Ordinal);

    /// <summary>How long a guest may take to print its ready line (TCG on a loaded machine: tens of seconds).</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Where arriving QEMUs listen for the migration stream (the address other hosts reach this one at). Default loopback: one machine.</summary>
    public string MigrationHost { get; init; } = "127.0.0.1";

    /// <summary>The NVE its guests' ports are on.</summary>
    public Edge Edge => edge;

    /// <summary>The guests running here.</summary>
    public IReadOnlyCollection<QemuGuest> Guests => (IReadOnlyCollection<QemuGuest>)_guests.Values;

    /// <summary>The guest named <paramref name="name"/>, if it runs here.</summary>
    public QemuGuest? Find(string name) => _guests.GetValueOrDefault(name);

    /// <summary>The QEMU waiting for <paramref name="name"/> to arrive, between <see cref="ListenAsync"/> and its arrival or cancellation.</summary>
    public QemuVm? Arriving(string name) => _arrivals.GetValueOrDefault(name)?.Vm;

    /// <summary>
    /// Binds the guest here in the directory, starts its QEMU with its NIC on a new port of the NVE,
    /// and waits for its ready line. On failure its QEMU and port go and the binding is detached.
    /// </summary>
    public async Task<QemuGuest> StartGuestAsync(QemuGuestSpec spec, CancellationToken cancellationToken = default)
    {
        if (_guests.ContainsKey(spec.Name))
        {
            throw new NvaException(NvaError.AlreadyExists, $"A guest named '{spec.Name}' already runs at {edge.Name}.");
        }
        await nva.AttachAsync(new AttachRequest(spec.Vni, spec.Mac, spec.Ips, edge.Name, spec.Name), cancellationToken).ConfigureAwait(false);
        await Poll.UntilAsync(() => edge.View.Bindings.TryGetValue((spec.Vni, spec.Mac), out var b) && b.ActiveNve == edge.Name, $"{edge.Name} to see {spec.Name}", cancellationToken)
            .ConfigureAwait(false);
        var (vm, local) = await LaunchAsync(spec, incoming: false, cancellationToken).ConfigureAwait(false);
        try
        {
            using var boot = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            boot.CancelAfter(BootTimeout);
            await vm.WaitForSerialAsync(GuestInit.ReadyMarker, boot.Token).ConfigureAwait(false);
        }
        catch
        {
            await EndAsync(vm, local).ConfigureAwait(false);
            await nva.DetachAsync(spec.Vni, spec.Mac, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        var guest = new QemuGuest(spec, vm, local);
        _guests[spec.Name] = guest;
        return guest;
    }

    /// <inheritdoc />
    public async Task<ArrivalEndpoint> ListenAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        if (edge.GetPort(arrival.Vni, arrival.Mac) is { State: not PortState.Active } left)
        {
            // It comes back before the port it left here was released: that port goes now.
            edge.DetachPort(left);
        }
        var spec = new QemuGuestSpec(arrival.Workload, arrival.Vni, arrival.Mac, arrival.Ips, arrival.MemoryMiB > 0 ? arrival.MemoryMiB : 256);
        var (vm, local) = await LaunchAsync(spec, incoming: true, cancellationToken).ConfigureAwait(false);
        try
        {
            var destination = new LocalQemuDestination(vm, MigrationHost);
            var incoming = await destination.ListenAsync(new QemuListenRequest(PauseBeforeSwitchover: true, arrival.AutoConverge, ExportDisk: false), cancellationToken)
                .ConfigureAwait(false);
            if (!_arrivals.TryAdd(arrival.Workload, new Incoming(spec, vm, local, destination)))
            {
                throw new NvaException(NvaError.FailedPrecondition, $"'{arrival.Workload}' is already arriving at {edge.Name}.");
            }
            return new ArrivalEndpoint(incoming.Uri);
        }
        catch
        {
            await EndAsync(vm, local).ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task ArriveAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        if (!_arrivals.TryRemove(arrival.Workload, out var incoming))
        {
            throw new NvaException(NvaError.NotFound, $"'{arrival.Workload}' was not prepared to arrive at {edge.Name}.");
        }
        // A cold move's source was stopped, so its guest waits here for cont.
        await incoming.Destination.CompleteAsync(continueGuest: arrival.Mode == MigrationMode.Cold, cancellationToken).ConfigureAwait(false);
        _guests[arrival.Workload] = new QemuGuest(incoming.Spec, incoming.Vm, incoming.Port);
    }

    /// <inheritdoc />
    public async Task CancelAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        if (_arrivals.TryRemove(arrival.Workload, out var incoming))
        {
            await EndAsync(incoming.Vm, incoming.Port).ConfigureAwait(false);
        }
    }

    /// <summary>The guest left for good (its move completed): its QEMU (postmigrate) ends; its old port stays for the move's release.</summary>
    public async Task LeftAsync(QemuGuest guest)
    {
        _guests.TryRemove(new KeyValuePair<string, QemuGuest>(guest.Name, guest));
        await guest.Vm.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the guest <paramref name="name"/> here: its QEMU ends, its port goes, the directory forgets the binding.</summary>
    public async Task StopGuestAsync(string name, CancellationToken cancellationToken = default)
    {
        if (_guests.TryRemove(name, out var guest))
        {
            await EndAsync(guest.Vm, guest.Port).ConfigureAwait(false);
            await nva.DetachAsync(guest.Spec.Vni, guest.Spec.Mac, cancellationToken).ConfigureAwait(false);
        }
    }

    // Starts a QEMU whose NIC is one end of a new socket pair, and attaches the other end to the NVE.
    private async Task<(QemuVm, LocalPort)> LaunchAsync(QemuGuestSpec spec, bool incoming, CancellationToken cancellationToken)
    {
        UnixDatagramPort? nic = null;
        QemuVm vm;
        await s_spawn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            nic = UnixDatagramPort.CreatePair($"{spec.Name}@{edge.Name}");
            vm = await QemuVm.StartAsync(new QemuVmOptions
            {
                Name = $"{spec.Name}-{edge.Name}",
                Image = image,
                MemoryMiB = spec.MemoryMiB,
                Mac = spec.Mac,
                NicDescriptor = nic.GuestDescriptor,
                Boot = spec.Boot,
                Incoming = incoming,
                Accelerator = accelerator,
            }, cancellationToken).ConfigureAwait(false);
            nic.SealGuestEnd();
        }
        catch
        {
            nic?.Dispose();
            throw;
        }
        finally
        {
            s_spawn.Release();
        }
        try
        {
            return (vm, edge.AttachPort(nic, spec.Vni, spec.Mac));
        }
        catch
        {
            nic.Dispose();
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task EndAsync(QemuVm vm, LocalPort port)
    {
        await vm.DisposeAsync().ConfigureAwait(false);
        edge.DetachPort(port);
    }

    /// <summary>Ends every guest and arriving QEMU here (by PID) and detaches their ports; the directory keeps their bindings.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var guest in _guests.Values)
        {
            await EndAsync(guest.Vm, guest.Port).ConfigureAwait(false);
        }
        foreach (var incoming in _arrivals.Values)
        {
            await EndAsync(incoming.Vm, incoming.Port).ConfigureAwait(false);
        }
        _guests.Clear();
        _arrivals.Clear();
    }

    private sealed record Incoming(QemuGuestSpec Spec, QemuVm Vm, LocalPort Port, LocalQemuDestination Destination);
}
