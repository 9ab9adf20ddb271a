using System.Globalization;
using Nvo3.Packets;

namespace Nvo3.Nva.Records;

/// <summary>
/// Where each record lives in the store. VNIs are zero-padded so that keys sort by VNI.
/// </summary>
internal static class Keys
{
    public const string Networks = "vn/";
    public const string Nves = "nve/";
    public const string Bindings = "binding/";
    public const string IpIndex = "ip/";
    public const string NameIndex = "name/";
    public const string UnderlayIndex = "underlay/";
    public const string Migrations = "migration/";
    public const string Redirects = "redirect/";
    public const string Leases = "lease/";

    public static string Network(uint vni) => Networks + Vni(vni);

    public static string Nve(string name) => Nves + name;

    public static string Lease(string name) => Leases + name;

    public static string BindingsOf(uint vni) => Bindings + Vni(vni) + "/";

    public static string Binding(uint vni, MacAddress mac) => BindingsOf(vni) + mac.ToString();

    public static string Ip(uint vni, IpAddr ip) => IpIndex + Vni(vni) + "/" + ip.ToString();

    public static string Name(string name) => NameIndex + name;

    public static string Underlay(UnderlayEndpoint endpoint) => UnderlayIndex + endpoint.ToString();

    public static string Migration(string id) => Migrations + id;

    public static string RedirectsOfNetwork(uint vni) => Redirects + Vni(vni) + "/";

    public static string RedirectsOf(uint vni, MacAddress mac) => Redirects + Vni(vni) + "/" + mac.ToString() + "/";

    public static string Redirect(uint vni, MacAddress mac, string oldNve) => RedirectsOf(vni, mac) + oldNve;

    /// <summary>Splits "binding/VNI/MAC".</summary>
    public static bool TryParseBinding(string key, out uint vni, out MacAddress mac) => TryParseVniMac(key, Bindings, out vni, out mac, out _);

    /// <summary>Splits "redirect/VNI/MAC/OLDNVE".</summary>
    public static bool TryParseRedirect(string key, out uint vni, out MacAddress mac, out string oldNve) => TryParseVniMac(key, Redirects, out vni, out mac, out oldNve);

    /// <summary>Splits "vn/VNI".</summary>
    public static bool TryParseNetwork(string key, out uint vni) =>
        uint.TryParse(key.AsSpan(Networks.Length), NumberStyles.None, CultureInfo.InvariantCulture, out vni);

    private static bool TryParseVniMac(string key, string prefix, out uint vni, out MacAddress mac, out string rest)
    {
        vni = 0;
        mac = default;
        rest = "";
        var parts = key[prefix.Length..].Split('/', 3);
        if (parts.Length < 2 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out vni) || !MacAddress.TryParse(parts[1], out mac))
        {
            return false;
        }
        rest = parts.Length == 3 ? parts[2] : "";
        return true;
    }

    private static string Vni(uint vni) => vni.ToString("D8", CultureInfo.InvariantCulture);
}
