using Nvo3.Mobility.Emulated;

namespace Nvo3.Mobility.Qemu;

/// <summary>
/// The destination's side of moving a QEMU guest: a QEMU host in this process, or
/// another process's through its agent (<see cref="RemoteArrivals"/>).
/// </summary>
public interface IQemuArrivals
{
    /// <summary>
    /// Starts the destination QEMU (<c>-incoming defer</c>, the same device model and MAC) with its
    /// NIC on a new NVE port, which the directory's pre-association holds Pending; sets the
    /// capabilities, exports the disk, and listens. Returns where the stream (and the disk) go.
    /// </summary>
    Task<ArrivalEndpoint> ListenAsync(Arrival arrival, CancellationToken cancellationToken);

    /// <summary>Waits until the guest's state has arrived (a cold move's guest is continued) and hosts it from then on.</summary>
    Task ArriveAsync(Arrival arrival, CancellationToken cancellationToken);

    /// <summary>The move was given up: the destination QEMU is ended and its port goes.</summary>
    Task CancelAsync(Arrival arrival, CancellationToken cancellationToken);
}
