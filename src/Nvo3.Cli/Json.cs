using System.Text.Json;
using System.Text.Json.Nodes;
using Nvo3.Nva;

namespace Nvo3.Cli;

/// <summary>The JSON shapes the listing commands print with --json (a contract for scripts: add fields, never rename).</summary>
internal static class Json
{
    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = true };

    public static string Print(JsonNode node) => node.ToJsonString(s_options);

    public static JsonObject Network(VirtualNetwork n) => new()
    {
        ["vni"] = n.Vni,
        ["name"] = n.Name,
        ["mode"] = n.Mode.ToString().ToLowerInvariant(),
        ["subnets"] = new JsonArray(n.Subnets.Select(s => (JsonNode)s.ToString()).ToArray()),
        ["gateways"] = new JsonArray(n.Gateways.Select(g => (JsonNode)new JsonObject { ["ip"] = g.Ip.ToString(), ["mac"] = g.Mac.ToString() }).ToArray()),
        ["cacheLifetimeMs"] = (long)n.CacheLifetime.TotalMilliseconds,
        ["ilaSirPrefix"] = n.IlaSirPrefix is null ? null : Nva.Grpc.ProtoMapping.FormatPrefix64(n.IlaSirPrefix),
        ["deleting"] = n.Deleting,
    };

    public static JsonObject Nve(NveRecord n, bool alive) => new()
    {
        ["name"] = n.Name,
        ["underlay"] = new JsonArray(n.Underlay.Select(u => (JsonNode)u.ToString()).ToArray()),
        ["ilaLocator"] = n.IlaLocator is null ? null : Nva.Grpc.ProtoMapping.FormatPrefix64(n.IlaLocator),
        ["external"] = n.External,
        ["alive"] = alive,
        ["leaseExpires"] = n.LeaseExpires?.ToString("O"),
        ["down"] = n.Down?.ToString("O"),
    };

    public static JsonObject Binding(Binding b) => new()
    {
        ["name"] = b.Name,
        ["vni"] = b.Vni,
        ["mac"] = b.Mac.ToString(),
        ["ips"] = new JsonArray(b.Ips.Select(ip => (JsonNode)ip.ToString()).ToArray()),
        ["nve"] = b.ActiveNve,
        ["placements"] = new JsonArray(b.Placements.Select(p => (JsonNode)new JsonObject { ["nve"] = p.Nve, ["state"] = p.State.ToString().ToLowerInvariant() }).ToArray()),
        ["sequence"] = b.Sequence,
        ["sticky"] = b.Sticky,
        ["duplicate"] = b.Duplicate,
        ["frozen"] = b.FrozenUntil is not null,
        ["lastTrigger"] = b.LastTrigger.ToString().ToLowerInvariant(),
        ["migrationId"] = b.MigrationId,
    };

    public static JsonObject Migration(Nva.Migration m) => new()
    {
        ["id"] = m.Id,
        ["name"] = m.Name,
        ["vni"] = m.Vni,
        ["mac"] = m.Mac.ToString(),
        ["source"] = m.Source,
        ["destination"] = m.Destination,
        ["mode"] = m.Mode.ToString().ToLowerInvariant(),
        ["phase"] = m.Phase.ToString().ToLowerInvariant(),
        ["started"] = m.Started.ToString("O"),
        ["paused"] = m.Paused?.ToString("O"),
        ["activated"] = m.Activated?.ToString("O"),
        ["ended"] = m.Ended?.ToString("O"),
        ["result"] = m.Result,
        ["deadline"] = m.Deadline?.ToString("O"),
        ["settledBy"] = m.SettledBy,
        ["requestId"] = m.RequestId,
    };
}
