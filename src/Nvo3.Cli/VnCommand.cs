using System.CommandLine;
using System.Text.Json.Nodes;
using Nvo3.Nva;

namespace Nvo3.Cli;

/// <summary><c>nvo3 vn create|list|delete</c>: virtual networks (<c>--layer l2|l3</c>; <c>--mode</c> is its deprecated spelling).</summary>
internal static class VnCommand
{
    public static Command Create()
    {
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        var vni = new Option<uint>("--vni") { Description = "The VXLAN network identifier, 1 to 16777215.", Required = true };
        var layer = new Option<string>("--layer") { Description = "l2 (Ethernet in VXLAN) or l3 (IP in VXLAN-GPE, anycast gateway).", DefaultValueFactory = _ => "l2" };
        layer.AcceptOnlyFromAmong("l2", "l3");
        var mode = RenamedOption.Old("--mode", layer, "l2", "l3");
        var subnet = new Option<string[]>("--subnet") { Description = "A subnet of the network (repeat for more), like 10.0.0.0/24 or fd00:1::/64.", Required = true, AllowMultipleArgumentsPerToken = false };
        var name = new Option<string?>("--name") { Description = "A name for people (default vnN)." };
        var lifetime = new Option<int>("--cache-lifetime-ms") { Description = "How long NVEs may cache this network's look-ups (0: the NVA's default)." };
        var gateway = new Option<string[]>("--gateway") { Description = "L3: an anycast gateway IP (repeat per subnet; default: each subnet's first address)." };
        var ila = new Option<bool>("--ila") { Description = "L3: use ILA for IPv6; the IPv6 /64 subnet is the SIR prefix." };

        var create = new Command("create", "Create a virtual network.") { nva, vni, layer, mode, subnet, name, lifetime, gateway, ila, json };
        create.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            var networkMode = RenamedOption.Resolve(p, layer, mode) == "l3" ? NetworkMode.L3 : NetworkMode.L2;
            var subnets = p.GetValue(subnet)!.Select(s => Arguments.ParsePrefix(s)).ToList();
            var gatewayMac = VirtualNetwork.AnycastGatewayMac(p.GetValue(vni));
            var gateways = (p.GetValue(gateway) ?? []).Select(g => new Gateway(Arguments.ParseIp(g, "gateway"), gatewayMac)).ToList();
            ulong? sir = null;
            if (p.GetValue(ila))
            {
                var v6 = subnets.FirstOrDefault(s => s.Address.IsV6 && s.Length == 64);
                sir = v6.Address.IsV6 ? (ulong)(v6.Address.V6Value >> 64) : throw new ArgumentException("--ila needs an IPv6 /64 --subnet (the SIR prefix).");
            }
            var created = await client.CreateVirtualNetworkAsync(new VirtualNetwork(p.GetValue(vni), p.GetValue(name) ?? "", networkMode, subnets, gateways,
                TimeSpan.FromMilliseconds(p.GetValue(lifetime)), sir), ct).ConfigureAwait(false);
            Console.WriteLine(p.GetValue(json) ? Json.Print(Json.Network(created))
                : $"created VNI {created.Vni} '{created.Name}' ({created.Mode.ToString().ToLowerInvariant()}, {string.Join(", ", created.Subnets)}, cache {created.CacheLifetime.TotalMilliseconds:0} ms)");
            return Cli.Ok;
        });

        var list = new Command("list", "List the virtual networks.") { nva, json };
        list.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            var networks = await client.ListVirtualNetworksAsync(ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject { ["networks"] = new JsonArray(networks.Select(n => (JsonNode)Json.Network(n)).ToArray()) }));
                return Cli.Ok;
            }
            var table = new TextTable("VNI", "NAME", "MODE", "SUBNETS", "GATEWAYS", "CACHE");
            foreach (var n in networks)
            {
                table.Add(n.Vni.ToString(System.Globalization.CultureInfo.InvariantCulture), n.Deleting ? n.Name + " (deleting)" : n.Name, n.Mode.ToString().ToLowerInvariant(), string.Join(",", n.Subnets),
                    string.Join(",", n.Gateways.Select(g => g.Ip)), $"{n.CacheLifetime.TotalMilliseconds:0} ms");
            }
            Console.Write(table);
            return Cli.Ok;
        });

        var force = new Option<bool>("--force") { Description = "Also remove the network's bindings." };
        var delete = new Command("delete", "Delete a virtual network.") { nva, vni, force };
        delete.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            await client.DeleteVirtualNetworkAsync(p.GetValue(vni), p.GetValue(force), ct).ConfigureAwait(false);
            Console.WriteLine($"deleted VNI {p.GetValue(vni)}");
            return Cli.Ok;
        });
        return new Command("vn", "Virtual networks.") { create, list, delete };
    }
}
