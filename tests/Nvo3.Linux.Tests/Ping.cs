using System.Globalization;
using System.Text.RegularExpressions;
using Nvo3.Lab.Netns;

namespace Nvo3.Linux.Tests;

/// <summary>iputils ping inside a namespace.</summary>
internal static partial class Ping
{
    /// <summary>Pings <paramref name="target"/> from <paramref name="netns"/>; returns (sent, received).</summary>
    public static (int Sent, int Received) Run(string netns, string target, int count = 3, double interval = 0.2)
    {
        var result = HostCommand.TryRun("ip", "netns", "exec", netns, "ping", "-n", "-q", "-c", count.ToString(CultureInfo.InvariantCulture),
            "-i", interval.ToString(CultureInfo.InvariantCulture), "-W", "2", target);
        var match = Summary().Match(result.Stdout);
        return match.Success
            ? (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
            : throw new IOException($"ping {target} from {netns} said: {result.Stdout} {result.Stderr}");
    }

    /// <summary>Pings <paramref name="target"/> once from <paramref name="netns"/>; returns the TTL (hop limit) of the reply.</summary>
    public static int ReplyTtl(string netns, string target)
    {
        var result = HostCommand.TryRun("ip", "netns", "exec", netns, "ping", "-n", "-c", "1", "-W", "2", target);
        var match = Ttl().Match(result.Stdout);
        return match.Success
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new IOException($"ping {target} from {netns} said: {result.Stdout} {result.Stderr}");
    }

    [GeneratedRegex(@"(?:ttl|hlim)=(\d+)")]
    private static partial Regex Ttl();

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex Summary();
}
