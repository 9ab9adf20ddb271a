using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Cli;

/// <summary>
/// <c>nvo3 nve show NAME ports|remote|redirects|peers|counters</c>: an NVE's tables through its
/// agent, like <c>bridge fdb show</c>.
/// </summary>
internal static class NveShowCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The NVE's name." };
        var table = new Argument<string>("TABLE") { Description = "ports, remote (the remote cache), redirects, peers or counters." };
        table.AcceptOnlyFromAmong("ports", "remote", "redirects", "peers", "counters");
        var vni = new Option<uint>("--vni") { Description = "Only this network (ports, remote, redirects)." };
        var limit = new Option<uint>("--limit") { Description = $"At most this many rows (the agent's default {Nve.Agent.InspectService.DefaultLimit}, at most {Nve.Agent.InspectService.MaxLimit})." };
        var agent = AgentConnection.AgentOption();
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        var command = new Command("show", "Show an NVE's tables through its agent: its ports, its remote cache (where bindings of other NVEs are, "
            + "learned by push or pull, for how long), the redirects it runs for VMs that left, the NVEs it talks to, its counters.")
        {
            name, table, vni, limit, agent, nva, json,
        };
        command.Handle(async (p, ct) =>
        {
            if (p.GetValue(vni) > 0xFF_FFFF)
            {
                throw new ArgumentException($"--vni {p.GetValue(vni)} is not a 24-bit network identifier (1–16777215).");
            }
            using var connection = await AgentConnection.OpenAsync(p.GetValue(name)!, p.GetValue(agent), p.GetValue(nva)!, ct).ConfigureAwait(false);
            var client = new P.Inspect.InspectClient(connection.Channel);
            var request = new P.ShowRequest { Vni = p.GetValue(vni), Limit = p.GetValue(limit) };
            var options = new Grpc.Core.CallOptions(cancellationToken: ct);
            var (node, text, shown, total) = p.GetValue(table) switch
            {
                "ports" => NveShowTables.Ports(await connection.CallAsync(async _ => await client.ShowPortsAsync(request, options)).ConfigureAwait(false)),
                "remote" => NveShowTables.Remote(await connection.CallAsync(async _ => await client.ShowRemoteAsync(request, options)).ConfigureAwait(false)),
                "redirects" => NveShowTables.Redirects(await connection.CallAsync(async _ => await client.ShowRedirectsAsync(request, options)).ConfigureAwait(false)),
                "peers" => NveShowTables.Peers(await connection.CallAsync(async _ => await client.ShowPeersAsync(request, options)).ConfigureAwait(false)),
                _ => NveShowTables.Counters(await connection.CallAsync(async _ => await client.ShowCountersAsync(request, options)).ConfigureAwait(false)),
            };
            Console.Write(p.GetValue(json) ? Json.Print(node) + "\n" : text);
            if (shown < total)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nvo3 nve show: {shown} of {total} rows shown; --limit or --vni for others."));
            }
            return Cli.Ok;
        });
        return command;
    }
}
