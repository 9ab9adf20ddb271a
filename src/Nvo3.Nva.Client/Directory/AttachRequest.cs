using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>A tenant interface to place at an NVE.</summary>
/// <param name="Vni">Its network.</param>
/// <param name="Mac">Its MAC.</param>
/// <param name="Ips">Its addresses (at least one, each inside the network's subnets).</param>
/// <param name="Nve">The NVE that hosts it.</param>
/// <param name="Name">The workload's name (null: the MAC).</param>
/// <param name="Sticky">Never moves.</param>
public sealed record AttachRequest(uint Vni, MacAddress Mac, IReadOnlyList<IpAddr> Ips, string Nve, string? Name = null, bool Sticky = false);
