using Nvo3.Packets;

namespace Nvo3.Mobility;

/// <summary>A workload a host runs, as its agent lists it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Kind">emulated or qemu.</param>
/// <param name="Vni">Its network.</param>
/// <param name="Mac">Its MAC.</param>
/// <param name="Ips">Its addresses.</param>
/// <param name="State">running, paused, network only…</param>
/// <param name="MemoryBytes">Its memory.</param>
/// <param name="DiskBytes">Its disk.</param>
/// <param name="Pid">The process that runs it (a QEMU), 0 when it runs in the host's own.</param>
public sealed record HostedWorkload(string Name, string Kind, uint Vni, MacAddress Mac, IReadOnlyList<IpAddr> Ips, string State, long MemoryBytes, long DiskBytes, int Pid);
