using System.Globalization;
using System.Text.Json.Nodes;
using Nvo3.Nva;

namespace Nvo3.Cli;

/// <summary>A directory change as one line of <c>nvo3 watch</c>: text, or a JSON object (fields added, never renamed).</summary>
internal static class WatchLines
{
    public static string Text(DirectoryChange c)
    {
        string what = c.Kind switch
        {
            ChangeKind.NetworkPut when c.Network is { } n => $"network put {Num(n.Vni)} '{n.Name}' {n.Mode.ToString().ToLowerInvariant()}{(n.Deleting ? " (deleting)" : "")}",
            ChangeKind.NetworkDeleted => $"network deleted {Num(c.Vni)}",
            ChangeKind.NvePut when c.Nve is { } e => $"nve put {e.Name} {string.Join(",", e.Underlay)}{(e.Down is null ? "" : " (down)")}",
            ChangeKind.NveDeleted => $"nve deleted {c.Name}",
            ChangeKind.BindingPut when c.Binding is { } b =>
                $"binding put '{b.Name}' vni {Num(b.Vni)} {b.Mac} {string.Join(",", b.Ips)} at {b.ActiveNve ?? "-"} seq {Num(b.Sequence)} "
                + $"({string.Join(" ", b.Placements.Select(p => $"{p.Nve}={p.State.ToString().ToLowerInvariant()}"))})",
            ChangeKind.BindingDeleted => $"binding deleted vni {Num(c.Vni)} {c.Mac}",
            ChangeKind.RedirectPut when c.Redirect is { } r =>
                $"redirect put vni {Num(r.Vni)} {r.Mac} {r.OldNve} -> {r.NewNve} {(r.Active ? "active" : "prepared")}{(r.Expires is { } x ? $" until {x:O}" : "")}",
            ChangeKind.RedirectDeleted => $"redirect deleted vni {Num(c.Vni)} {c.Mac} at {c.Name}",
            ChangeKind.MigrationPut when c.Migration is { } m =>
                $"migration put {m.Id} '{m.Name}' {m.Source} -> {m.Destination} {m.Mode.ToString().ToLowerInvariant()} {m.Phase.ToString().ToLowerInvariant()}{(m.Result is null ? "" : $" ({m.Result})")}",
            ChangeKind.MigrationDeleted => $"migration deleted {c.Name}",
            ChangeKind.Resync => "resync: the NVA no longer keeps the changes since the last one seen; watching on from now",
            _ => Kind(c.Kind),
        };
        return $"{Num(c.Revision)} {what}";
    }

    public static JsonObject Json(DirectoryChange c)
    {
        var line = new JsonObject { ["revision"] = c.Revision, ["kind"] = Kind(c.Kind) };
        switch (c.Kind)
        {
            case ChangeKind.NetworkPut when c.Network is { } n:
                line["network"] = Nvo3.Cli.Json.Network(n);
                break;
            case ChangeKind.NvePut when c.Nve is { } e:
                line["nve"] = Nvo3.Cli.Json.Nve(e, e.Down is null);
                break;
            case ChangeKind.BindingPut when c.Binding is { } b:
                line["binding"] = Nvo3.Cli.Json.Binding(b);
                break;
            case ChangeKind.RedirectPut when c.Redirect is { } r:
                line["redirect"] = new JsonObject
                {
                    ["vni"] = r.Vni, ["mac"] = r.Mac.ToString(), ["oldNve"] = r.OldNve, ["newNve"] = r.NewNve, ["migrationId"] = r.MigrationId,
                    ["active"] = r.Active, ["expires"] = r.Expires?.ToString("O"),
                };
                break;
            case ChangeKind.MigrationPut when c.Migration is { } m:
                line["migration"] = Nvo3.Cli.Json.Migration(m);
                break;
            case ChangeKind.NetworkDeleted:
                line["vni"] = c.Vni;
                break;
            case ChangeKind.BindingDeleted or ChangeKind.RedirectDeleted:
                line["vni"] = c.Vni;
                line["mac"] = c.Mac.ToString();
                if (c.Name is not null)
                {
                    line["nve"] = c.Name;
                }
                break;
            case ChangeKind.NveDeleted or ChangeKind.MigrationDeleted:
                line["name"] = c.Name;
                break;
            default:
                break;
        }
        return line;
    }

    // bindingPut, networkDeleted, resync, ...
    private static string Kind(ChangeKind kind)
    {
        string name = kind.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static string Num<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
