using System.CommandLine;
using System.Text.Json.Nodes;
using Nvo3.Nva;
using Nvo3.Nva.Grpc;

namespace Nvo3.Cli;

/// <summary><c>nvo3 nve add|list|delete</c> (<c>remove</c> is an alias), <c>show</c> and <c>trace</c> (through its agent), and <c>run</c>, the edge itself.</summary>
internal static partial class NveCommand
{
    public static Command Create()
    {
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        var name = new Option<string>("--name") { Description = "The NVE's name.", Required = true };
        var underlay = new Option<string[]>("--underlay") { Description = "Its underlay address: ADDR, ADDR:PORT or [IPv6]:PORT (repeat for a second family).", Required = true };
        var locator = new Option<string?>("--ila-locator") { Description = "L3 with ILA: its locator as an IPv6 /64 prefix." };

        var add = new Command("add", "Add an NVE that does not register itself (a kernel VXLAN device, an appliance): no lease.") { nva, name, underlay, locator, json };
        add.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            var nve = await client.AddNveAsync(p.GetValue(name)!, p.GetValue(underlay)!.Select(Arguments.ParseUnderlay).ToList(),
                ProtoMapping.ParsePrefix64(p.GetValue(locator), "--ila-locator"), ct).ConfigureAwait(false);
            Console.WriteLine(p.GetValue(json) ? Json.Print(Json.Nve(nve, true)) : $"added NVE '{nve.Name}' at {string.Join(", ", nve.Underlay)}");
            return Cli.Ok;
        });

        var list = new Command("list", "List the NVEs and whether their leases run.") { nva, json };
        list.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            var nves = await client.ListNvesAsync(ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject { ["nves"] = new JsonArray(nves.Select(n => (JsonNode)Json.Nve(n.Nve, n.Alive)).ToArray()) }));
                return Cli.Ok;
            }
            var table = new TextTable("NAME", "UNDERLAY", "KIND", "STATE", "ILA LOCATOR");
            foreach (var (n, alive) in nves)
            {
                table.Add(n.Name, string.Join(",", n.Underlay), n.External ? "external" : "registered", alive ? "alive" : "lease expired",
                    n.IlaLocator is null ? "-" : ProtoMapping.FormatPrefix64(n.IlaLocator));
            }
            Console.Write(table);
            return Cli.Ok;
        });

        // "delete" is the removal verb of vn, nve and vm alike; "remove" is kept as an alias.
        var delete = new Command("delete", "Delete an NVE that hosts no binding.") { nva, name };
        delete.Aliases.Add("remove");
        delete.Handle(async (p, ct) =>
        {
            using var client = Cli.Connect(p.GetValue(nva)!);
            await client.RemoveNveAsync(p.GetValue(name)!, ct).ConfigureAwait(false);
            Console.WriteLine($"deleted NVE '{p.GetValue(name)}'");
            return Cli.Ok;
        });

        var command = new Command("nve", "NVEs (Network Virtualization Edges).") { add, list, delete, NveShowCommand.Create(), NveTraceCommand.Create() };
        AddRun(command);
        return command;
    }

    static partial void AddRun(Command command);
}
