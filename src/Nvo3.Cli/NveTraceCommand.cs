using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Cli;

/// <summary><c>nvo3 nve trace NAME [--count N]</c>: the next N drops of an NVE, with reason and headers, as they happen.</summary>
internal static class NveTraceCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The NVE's name." };
        var count = new Option<int>("--count") { Description = "Stop after this many drops (1–10000).", DefaultValueFactory = _ => 10 };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > Nve.Agent.InspectService.MaxTraceCount)
            {
                r.AddError($"--count must be 1–{Nve.Agent.InspectService.MaxTraceCount}.");
            }
        });
        var agent = AgentConnection.AgentOption();
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        json.Description = "Print one JSON object per line instead of text.";
        var command = new Command("trace", "Print the next drops of an NVE as they happen: the reason (the drop counter's name), the VNI, "
            + "the length, the underlay sender, the inner MACs, EtherType, IPs and protocol. Ends after --count drops or on Ctrl+C.")
        {
            name, count, agent, nva, json,
        };
        command.Handle(async (p, ct) =>
        {
            using var connection = await AgentConnection.OpenAsync(p.GetValue(name)!, p.GetValue(agent), p.GetValue(nva)!, ct).ConfigureAwait(false);
            var client = new P.Inspect.InspectClient(connection.Channel);
            int wanted = p.GetValue(count);
            try
            {
                using var call = client.TraceDrops(new P.TraceRequest { Count = (uint)wanted }, cancellationToken: ct);
                await call.ResponseHeadersAsync.ConfigureAwait(false); // sent once the tap is attached
                Console.Error.WriteLine($"nvo3 nve trace: tracing the next {wanted} drop(s) of NVE '{connection.Nve}' at {connection.Address}; Ctrl+C stops.");
                long missed = 0;
                await foreach (var drop in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    Console.WriteLine(p.GetValue(json) ? ToJson(drop).ToJsonString() : Format(drop));
                    missed = drop.Missed;
                }
                if (missed > 0)
                {
                    Console.Error.WriteLine($"nvo3 nve trace: {missed} drop(s) were not traced: this trace read slower than the NVE dropped.");
                }
            }
            catch (RpcException ex)
            {
                throw connection.Translate(ex);
            }
            return Cli.Ok;
        });
        return command;
    }

    private static string Format(P.TracedDrop d)
    {
        var line = new StringBuilder().Append(d.Time).Append(' ').Append(d.Reason);
        if (d.Count > 1)
        {
            line.Append(" ×").Append(d.Count);
        }
        if (d.Vni != 0)
        {
            line.Append(" vni ").Append(d.Vni);
        }
        if (d.Length > 0)
        {
            line.Append(" len ").Append(d.Length);
        }
        if (d.Sender.Length > 0)
        {
            line.Append(" from ").Append(d.Sender);
        }
        if (d.SrcMac.Length > 0)
        {
            line.Append(' ').Append(d.SrcMac).Append(" > ").Append(d.DstMac).Append(' ').Append(d.EtherType);
        }
        if (d.SrcIp.Length > 0)
        {
            line.Append(' ').Append(d.SrcIp).Append(" > ").Append(d.DstIp);
        }
        if (d.Protocol.Length > 0)
        {
            line.Append(' ').Append(d.Protocol);
        }
        return line.ToString();
    }

    private static JsonObject ToJson(P.TracedDrop d) => new()
    {
        ["time"] = d.Time,
        ["reason"] = d.Reason,
        ["vni"] = d.Vni == 0 ? null : d.Vni,
        ["length"] = d.Length,
        ["count"] = d.Count,
        ["sender"] = Null(d.Sender),
        ["srcMac"] = Null(d.SrcMac),
        ["dstMac"] = Null(d.DstMac),
        ["etherType"] = Null(d.EtherType),
        ["srcIp"] = Null(d.SrcIp),
        ["dstIp"] = Null(d.DstIp),
        ["protocol"] = Null(d.Protocol),
        ["missed"] = d.Missed,
    };

    private static string? Null(string text) => text.Length == 0 ? null : text;
}
