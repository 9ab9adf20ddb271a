using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Nva;

namespace Nvo3.Cli;

/// <summary><c>nvo3 vm attach|list|delete|clear-duplicate</c> (<c>detach</c> is an alias of delete): bindings of tenant systems.</summary>
internal static class VmCommand
{
    public static Command Create()
    {
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        var vni = new Option<uint>("--vni") { Description = "The network." };
        var mac = new Option<string?>("--mac") { Description = "The interface's MAC, like 02:00:00:00:00:01." };
        var ip = new Option<string[]>("--ip") { Description = "An address of the interface (repeat for IPv4 and IPv6)." };
        var nve = new Option<string?>("--nve") { Description = "The NVE that hosts it." };
        var sticky = new Option<bool>("--sticky") { Description = "Never moves (gateways, appliances): a claim elsewhere is refused." };
        var name = new Option<string?>("--name") { Description = "The workload's name (default: the MAC)." };

        var attach = new Command("attach", "Bind an interface to an NVE (Associated and Activated there).") { nva, vni, mac, ip, nve, sticky, name, json };
        attach.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            var binding = await client.AttachAsync(new AttachRequest(
                Require(p.GetValue(vni), "--vni"),
                Arguments.ParseMac(p.GetValue(mac), "--mac"),
                (p.GetValue(ip) ?? []).Select(a => Arguments.ParseIp(a, "--ip")).ToList(),
                p.GetValue(nve) ?? throw new ArgumentException("--nve is required."),
                p.GetValue(name),
                p.GetValue(sticky)), ct).ConfigureAwait(false);
            Console.WriteLine(p.GetValue(json) ? Json.Print(Json.Binding(binding))
                : $"attached '{binding.Name}' {binding.Mac} {string.Join(" ", binding.Ips)} at {binding.ActiveNve} (VNI {binding.Vni})");
            return Cli.Ok;
        });

        var list = new Command("list", "List bindings: where each interface is, its sequence number and flags.") { nva, vni, nve, json };
        list.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            uint v = p.GetValue(vni);
            var bindings = await client.ListBindingsAsync(v == 0 ? null : v, p.GetValue(nve), ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject { ["bindings"] = new JsonArray(bindings.Select(b => (JsonNode)Json.Binding(b)).ToArray()) }));
                return Cli.Ok;
            }
            var table = new TextTable("NAME", "VNI", "MAC", "IPS", "NVE", "STATE", "SEQ", "FLAGS");
            foreach (var b in bindings)
            {
                var flags = new List<string>();
                if (b.Sticky) flags.Add("sticky");
                if (b.Duplicate) flags.Add("duplicate");
                if (b.FrozenUntil is not null) flags.Add("frozen");
                if (b.MigrationId is not null) flags.Add("migrating");
                table.Add(b.Name, b.Vni.ToString(CultureInfo.InvariantCulture), b.Mac.ToString(), string.Join(",", b.Ips), b.ActiveNve ?? "-",
                    string.Join(",", b.Placements.Select(pl => $"{pl.Nve}:{(pl.State == PlacementState.Activated ? "active" : "associated")}")),
                    b.Sequence.ToString(CultureInfo.InvariantCulture), flags.Count == 0 ? "-" : string.Join(",", flags));
            }
            Console.Write(table);
            return Cli.Ok;
        });

        // "delete" is the removal verb of vn, nve and vm alike; "detach" (DESIGN 9) is kept as an alias.
        var detach = new Command("delete", "Delete a binding (by --name, or --vni and --mac).") { nva, vni, mac, name };
        detach.Aliases.Add("detach");
        detach.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            if (p.GetValue(name) is { } n)
            {
                await client.DetachAsync(n, ct).ConfigureAwait(false);
                Console.WriteLine($"deleted '{n}'");
            }
            else
            {
                var m = Arguments.ParseMac(p.GetValue(mac), "--mac");
                await client.DetachAsync(Require(p.GetValue(vni), "--vni"), m, ct).ConfigureAwait(false);
                Console.WriteLine($"deleted {m} from VNI {p.GetValue(vni)}");
            }
            return Cli.Ok;
        });

        var clear = new Command("clear-duplicate", "Clear a binding's duplicate flag and freeze.") { nva, vni, mac, json };
        clear.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            var b = await client.ClearDuplicateAsync(Require(p.GetValue(vni), "--vni"), Arguments.ParseMac(p.GetValue(mac), "--mac"), ct).ConfigureAwait(false);
            Console.WriteLine(p.GetValue(json) ? Json.Print(Json.Binding(b)) : $"cleared '{b.Name}'");
            return Cli.Ok;
        });
        return new Command("vm", "Tenant systems (VMs, containers, tasks) and their bindings.") { attach, list, detach, clear };
    }

    private static uint Require(uint vni, string option) => vni != 0 ? vni : throw new ArgumentException($"{option} is required.");
}
