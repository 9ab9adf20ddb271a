using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>
/// Parses the directory's values from text (requests, command lines), refusing with
/// <see cref="NvaError.InvalidArgument"/> and a message that says what to write. The server and
/// every client use the same rules.
/// </summary>
public static class Arguments
{
    /// <summary>Parses a MAC, or refuses with InvalidArgument.</summary>
    public static MacAddress ParseMac(string? text, string field = "mac") =>
        MacAddress.TryParse(text, out var mac) ? mac
        : throw new NvaException(NvaError.InvalidArgument, string.IsNullOrEmpty(text)
            ? $"The {field} is missing; write a MAC like 02:00:00:00:00:01."
            : $"The {field} '{text}' is not a MAC address; write six hex bytes separated by ':', like 02:00:00:00:00:01.");

    /// <summary>Parses an IP, or refuses with InvalidArgument.</summary>
    public static IpAddr ParseIp(string? text, string field = "ip") =>
        IpAddr.TryParse(text, out var ip) ? ip
        : throw new NvaException(NvaError.InvalidArgument, string.IsNullOrEmpty(text)
            ? $"The {field} is missing."
            : $"The {field} '{text}' is not an IPv4 or IPv6 address.");

    /// <summary>Parses a CIDR prefix, or refuses with InvalidArgument.</summary>
    public static IpPrefix ParsePrefix(string? text, string field = "subnet") =>
        IpPrefix.TryParse(text, out var prefix, out var why) ? prefix
        : throw new NvaException(NvaError.InvalidArgument, $"The {field}: {why}");

    /// <summary>Parses an underlay endpoint, or refuses with InvalidArgument.</summary>
    public static UnderlayEndpoint ParseUnderlay(string? text) =>
        UnderlayEndpoint.TryParse(text, out var endpoint) ? endpoint
        : throw new NvaException(NvaError.InvalidArgument, $"The underlay '{text}' is not an endpoint; write ADDR, ADDR:PORT or [IPv6]:PORT.");
}
