using Nvo3.Migration;
using Nvo3.Mobility.Emulated;
using Nvo3.Nva;

namespace Nvo3.Mobility;

/// <summary>
/// The workloads of one kind that an NVE process hosts (emulated VMs, QEMU guests), as its agent
/// serves them: list them, move one away with the one move orchestrator, and take arrivals of
/// that kind from other hosts (<see cref="Arrival.Kind"/> says whose they are).
/// </summary>
public interface IWorkloadHost
{
    /// <summary>The kind: emulated or qemu.</summary>
    string Kind { get; }

    /// <summary>What runs here now.</summary>
    IReadOnlyList<HostedWorkload> Workloads { get; }

    /// <summary>True when <paramref name="name"/> runs here.</summary>
    bool Runs(string name);

    /// <summary>Moves <paramref name="name"/> to the NVE <paramref name="destination"/>, its agent found in the directory.</summary>
    Task<MoveReport> MigrateAsync(string name, string destination, MigrationMode mode, MoveSettings settings, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Readies an arrival: the arriving instance and its port (pre-associated) here; returns where its state goes.</summary>
    Task<ArrivalEndpoint> PrepareArrivalAsync(Arrival arrival, CancellationToken cancellationToken);

    /// <summary>The state has arrived: the workload runs here.</summary>
    Task ArriveAsync(Arrival arrival, CancellationToken cancellationToken);

    /// <summary>The move was given up: the arriving instance and its port go.</summary>
    Task CancelArrivalAsync(Arrival arrival, CancellationToken cancellationToken);
}
