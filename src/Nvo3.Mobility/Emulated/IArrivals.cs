using System.Net;

namespace Nvo3.Mobility.Emulated;

/// <summary>
/// The destination's side of moving an emulated VM: an <see cref="EmulatedHost"/> in this process,
/// or another process's through its agent (<see cref="RemoteArrivals"/>).
/// </summary>
public interface IArrivals
{
    /// <summary>Wires a port for the arriving VM at the destination NVE (it pre-associates it) and returns where its migration engine listens.</summary>
    Task<EndPoint> PrepareAsync(Arrival arrival, CancellationToken cancellationToken);

    /// <summary>
    /// The VM's state is there and runs: its network side starts on the prepared wire. In the same
    /// process the very VM object <paramref name="moving"/> resumes there (its probe log goes with it).
    /// </summary>
    Task ArriveAsync(Arrival arrival, HostedVm? moving, CancellationToken cancellationToken);

    /// <summary>The move was given up: the prepared wire and port go.</summary>
    Task CancelAsync(Arrival arrival, CancellationToken cancellationToken);
}
