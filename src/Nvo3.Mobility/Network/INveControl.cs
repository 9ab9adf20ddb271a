using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Mobility;

/// <summary>
/// One end of a move as the orchestrator drives it: an NVE's port for the moving binding, reached
/// in this process (<see cref="EdgeControl"/>) or through the NVE's agent (<see cref="AgentControl"/>).
/// The port itself is made by the workload's driver (a memory wire, a TAP in a namespace, QEMU's
/// interface); these are the network steps of a move around it.
/// </summary>
public interface INveControl
{
    /// <summary>The NVE's name in the directory.</summary>
    string Name { get; }

    /// <summary>The state of the port of (<paramref name="vni"/>, <paramref name="mac"/>), null when none is attached.</summary>
    Task<PortState?> PortStateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken);

    /// <summary>Where the directory told this NVE the binding will go (step 2), null until it has.</summary>
    Task<string?> PreparedAsync(uint vni, MacAddress mac, CancellationToken cancellationToken);

    /// <summary>True while this NVE forwards packets for the binding to its new NVE.</summary>
    Task<bool> RedirectRunsAsync(uint vni, MacAddress mac, CancellationToken cancellationToken);

    /// <summary>The workload paused here (step 4): packets in flight go to its new NVE. Returns that NVE, or null.</summary>
    Task<string?> PauseAsync(uint vni, MacAddress mac, CancellationToken cancellationToken);

    /// <summary>The task stopped here (cold): its traffic is dropped or answered unreachable until it runs elsewhere.</summary>
    Task SuspendAsync(uint vni, MacAddress mac, SuspendPolicy policy, CancellationToken cancellationToken);

    /// <summary>A move given up before its switchover: the workload runs here again.</summary>
    Task ReactivateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken);

    /// <summary>The workload runs here now (step 5): its first announcement, or the grace timer, activates it.</summary>
    Task ResumeAsync(uint vni, MacAddress mac, CancellationToken cancellationToken);

    /// <summary>Detaches the port; false when none was attached.</summary>
    Task<bool> DetachAsync(uint vni, MacAddress mac, CancellationToken cancellationToken);
}
