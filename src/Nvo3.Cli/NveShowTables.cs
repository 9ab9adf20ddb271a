using System.Globalization;
using System.Text.Json.Nodes;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Cli;

/// <summary>
/// The tables of <c>nvo3 nve show</c>, each as JSON (field names are a contract: added, never
/// renamed) and as text, with how many rows were shown of how many.
/// </summary>
internal static class NveShowTables
{
    public static (JsonNode Json, string Text, int Shown, uint Total) Ports(P.ShowPortsResponse r)
    {
        var table = new TextTable("NAME", "VNI", "MAC", "IPS", "STATE", "HELD", "REDIRECT");
        foreach (var p in r.Ports)
        {
            table.Add(p.Name, Num(p.Vni), p.Mac, Ips(p.Ips), p.State, Num(p.Held), Dash(p.RedirectTo));
        }
        var json = new JsonObject
        {
            ["nve"] = r.Nve,
            ["ports"] = Array(r.Ports.Select(p => new JsonObject
            {
                ["name"] = p.Name, ["vni"] = p.Vni, ["mac"] = p.Mac, ["ips"] = Array(p.Ips.Select(ip => JsonValue.Create(ip))),
                ["state"] = p.State, ["held"] = p.Held, ["redirectTo"] = Null(p.RedirectTo),
            })),
            ["total"] = r.Total,
        };
        return (json, table.ToString(), r.Ports.Count, r.Total);
    }

    public static (JsonNode Json, string Text, int Shown, uint Total) Remote(P.ShowRemoteResponse r)
    {
        var table = new TextTable("VNI", "MAC", "IPS", "NVE", "UNDERLAY", "SOURCE", "EXPIRES", "AGE");
        foreach (var e in r.Entries)
        {
            string expires = !e.Expires ? "never" : e.ExpiresInMs >= 0 ? Duration(e.ExpiresInMs) : $"due{(e.Refreshing ? ", refreshing" : "")}";
            table.Add(Num(e.Vni), e.Mac, Ips(e.Ips), Dash(e.Nve), Dash(e.Underlay), e.Source, expires, Duration(e.AgeMs));
        }
        var json = new JsonObject
        {
            ["nve"] = r.Nve,
            ["remote"] = Array(r.Entries.Select(e => new JsonObject
            {
                ["vni"] = e.Vni, ["mac"] = e.Mac, ["ips"] = Array(e.Ips.Select(ip => JsonValue.Create(ip))), ["nve"] = Null(e.Nve),
                ["underlay"] = Null(e.Underlay), ["source"] = e.Source, ["expiresInMs"] = e.Expires ? e.ExpiresInMs : null,
                ["ageMs"] = e.AgeMs, ["refreshing"] = e.Refreshing,
            })),
            ["total"] = r.Total,
        };
        return (json, table.ToString(), r.Entries.Count, r.Total);
    }

    public static (JsonNode Json, string Text, int Shown, uint Total) Redirects(P.ShowRedirectsResponse r)
    {
        var table = new TextTable("VNI", "MAC", "TO", "UNDERLAY", "TIMED", "AGE", "EXPIRES", "IDLE", "FORWARDED");
        foreach (var d in r.Redirects)
        {
            string expires = !d.Expires ? "at activation" : d.ExpiresInMs >= 0 ? Duration(d.ExpiresInMs) : "past, while packets come";
            table.Add(Num(d.Vni), d.Mac, d.To, d.Underlay, d.Timed ? "yes" : "no", Duration(d.AgeMs), expires, Duration(d.IdleMs), Num(d.Forwarded));
        }
        var json = new JsonObject
        {
            ["nve"] = r.Nve,
            ["redirects"] = Array(r.Redirects.Select(d => new JsonObject
            {
                ["vni"] = d.Vni, ["mac"] = d.Mac, ["to"] = d.To, ["underlay"] = d.Underlay, ["timed"] = d.Timed, ["ageMs"] = d.AgeMs,
                ["expiresInMs"] = d.Expires ? d.ExpiresInMs : null, ["idleMs"] = d.IdleMs, ["forwarded"] = d.Forwarded,
            })),
            ["total"] = r.Total,
        };
        return (json, table.ToString(), r.Redirects.Count, r.Total);
    }

    public static (JsonNode Json, string Text, int Shown, uint Total) Peers(P.ShowPeersResponse r)
    {
        var table = new TextTable("NAME", "UNDERLAY", "ILA LOCATOR", "VNIS", "REMOTE", "REDIRECTS");
        foreach (var p in r.Peers)
        {
            table.Add(p.Name, p.Underlay, Dash(p.IlaLocator), p.Vnis.Count == 0 ? "-" : string.Join(",", p.Vnis.Select(Num)), Num(p.RemoteEntries), Num(p.Redirects));
        }
        var json = new JsonObject
        {
            ["nve"] = r.Nve,
            ["peers"] = Array(r.Peers.Select(p => new JsonObject
            {
                ["name"] = p.Name, ["underlay"] = p.Underlay, ["ilaLocator"] = Null(p.IlaLocator), ["vnis"] = Array(p.Vnis.Select(v => JsonValue.Create(v))),
                ["remoteEntries"] = p.RemoteEntries, ["redirects"] = p.Redirects,
            })),
            ["total"] = r.Total,
        };
        return (json, table.ToString(), r.Peers.Count, r.Total);
    }

    public static (JsonNode Json, string Text, int Shown, uint Total) Counters(P.ShowCountersResponse r)
    {
        var table = new TextTable("COUNTER", "VALUE");
        var counters = new JsonObject();
        foreach (var (name, value) in r.Counters)
        {
            table.Add(name, Num(value));
            counters[name] = value;
        }
        return (new JsonObject { ["nve"] = r.Nve, ["counters"] = counters }, table.ToString(), r.Counters.Count, (uint)r.Counters.Count);
    }

    private static JsonArray Array(IEnumerable<JsonNode?> items) => new([.. items]);

    private static string Ips(IEnumerable<string> ips) => ips.Any() ? string.Join(",", ips) : "-";

    private static string Dash(string text) => text.Length == 0 ? "-" : text;

    private static string? Null(string text) => text.Length == 0 ? null : text;

    private static string Num<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private static string Duration(double ms) => ms switch
    {
        < 1000 => ms.ToString("0", CultureInfo.InvariantCulture) + "ms",
        < 120_000 => (ms / 1000).ToString("0.0", CultureInfo.InvariantCulture) + "s",
        _ => (ms / 60_000).ToString("0.0", CultureInfo.InvariantCulture) + "min",
    };
}
