using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>An anycast gateway of a Layer-3 network: the same IP and MAC on every NVE.</summary>
/// <param name="Ip">The gateway address, inside one of the network's subnets.</param>
/// <param name="Mac">The gateway MAC every NVE answers ARP/NS with.</param>
public sealed record Gateway(IpAddr Ip, MacAddress Mac);
