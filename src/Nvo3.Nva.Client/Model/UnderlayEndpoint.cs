using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Nvo3.Packets;

namespace Nvo3.Nva;

/// <summary>Where an NVE receives tunnelled traffic: an underlay address and UDP port.</summary>
/// <param name="Address">IPv4 or IPv6 underlay address.</param>
/// <param name="Port">UDP port (4789 for VXLAN by default).</param>
public readonly record struct UnderlayEndpoint(IpAddr Address, ushort Port = VxlanHeader.UdpPort)
{
    /// <summary>Parses "ADDR", "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out UnderlayEndpoint endpoint)
    {
        endpoint = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        if (IpAddr.TryParse(text, out var plain))
        {
            endpoint = new UnderlayEndpoint(plain);
            return true;
        }
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
        {
            return false;
        }
        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':'))
        {
            return false; // an IPv6 address with a port needs brackets
        }
        if (!IpAddr.TryParse(host, out var address))
        {
            return false;
        }
        endpoint = new UnderlayEndpoint(address, port);
        return true;
    }

    /// <summary>Parses, or throws <see cref="FormatException"/> saying what to write.</summary>
    public static UnderlayEndpoint Parse(string text) => TryParse(text, out var e) ? e
        : throw new FormatException($"'{text}' is not an underlay endpoint; write ADDR, ADDR:PORT or [IPv6]:PORT.");

    /// <summary>"ADDR" for the standard port, else "ADDR:PORT" or "[ADDR]:PORT".</summary>
    public override string ToString() => Port == VxlanHeader.UdpPort ? Address.ToString()
        : Address.IsV6 ? $"[{Address}]:{Port.ToString(CultureInfo.InvariantCulture)}" : $"{Address}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
