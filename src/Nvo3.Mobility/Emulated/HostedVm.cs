using Nvo3.Migration;
using Nvo3.Packets;

namespace Nvo3.Mobility.Emulated;

/// <summary>An emulated VM an <see cref="EmulatedHost"/> runs: its network side, its state, and what dirties it.</summary>
/// <param name="Vm">Its network stack.</param>
/// <param name="Workload">Its memory, disk and device state (none for a VM that is a network stack only).</param>
/// <param name="Vni">Its network.</param>
/// <param name="Dirtier">Its activity.</param>
public sealed record HostedVm(EmulatedVm Vm, Workload? Workload, uint Vni, Dirtier? Dirtier)
{
    /// <summary>Its name.</summary>
    public string Name => Vm.Name;

    /// <summary>Its MAC.</summary>
    public MacAddress Mac => Vm.Mac;
}
