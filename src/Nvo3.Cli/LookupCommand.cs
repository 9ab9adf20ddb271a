using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Nva;

namespace Nvo3.Cli;

/// <summary><c>nvo3 lookup --vni V --ip A|--mac M</c>: ask the NVA what an NVE in pull mode asks it.</summary>
internal static class LookupCommand
{
    public static Command Create()
    {
        var vni = new Option<uint>("--vni") { Description = "The network.", Required = true };
        var ip = new Option<string?>("--ip") { Description = "Look up this address (not with --mac)." };
        var mac = new Option<string?>("--mac") { Description = "Look up this MAC, like 02:00:00:00:00:01 (not with --ip)." };
        var nva = Cli.NvaOption();
        var json = Cli.JsonOption();
        var command = new Command("lookup", "Ask the NVA where an address of a network is, as an NVE in pull mode does: the binding, the NVE "
            + "where it is active and its underlay, and how long the answer may be cached. Exits 1 when there is no such binding.")
        {
            vni, ip, mac, nva, json,
        };
        command.Handle(async (p, ct) =>
        {
            uint network = p.GetValue(vni);
            if (network is 0 or > 0xFF_FFFF)
            {
                throw new ArgumentException($"--vni {network} is not a 24-bit network identifier (1–16777215).");
            }
            string? ipText = p.GetValue(ip);
            string? macText = p.GetValue(mac);
            if ((ipText is null) == (macText is null))
            {
                throw new ArgumentException("Give exactly one of --ip and --mac.");
            }
            using var client = Cli.Connect(p.GetValue(nva)!);
            var result = ipText is not null
                ? await client.LookupByIpAsync(network, Arguments.ParseIp(ipText, "--ip"), cancellationToken: ct).ConfigureAwait(false)
                : await client.LookupByMacAsync(network, Arguments.ParseMac(macText, "--mac"), cancellationToken: ct).ConfigureAwait(false);
            var binding = result.Binding
                ?? throw new NvaException(NvaError.NotFound, $"No binding for {ipText ?? macText} in VNI {network.ToString(CultureInfo.InvariantCulture)}.");
            var host = result.Host;
            if (p.GetValue(json))
            {
                Console.WriteLine(Json.Print(new JsonObject
                {
                    ["binding"] = Json.Binding(binding),
                    ["host"] = host is null ? null : new JsonObject
                    {
                        ["name"] = host.Name,
                        ["underlay"] = new JsonArray([.. host.Underlay.Select(u => (JsonNode)u.ToString())]),
                    },
                    ["lifetimeMs"] = (long)result.Lifetime.TotalMilliseconds,
                }));
                return Cli.Ok;
            }
            var table = new TextTable("NAME", "VNI", "MAC", "IPS", "NVE", "UNDERLAY", "SEQUENCE", "LIFETIME");
            table.Add(binding.Name, binding.Vni.ToString(CultureInfo.InvariantCulture), binding.Mac.ToString(), string.Join(",", binding.Ips),
                host?.Name ?? "- (active nowhere)", host is null ? "-" : string.Join(",", host.Underlay), binding.Sequence.ToString(CultureInfo.InvariantCulture),
                ((long)result.Lifetime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
            Console.Write(table);
            return Cli.Ok;
        });
        return command;
    }
}
