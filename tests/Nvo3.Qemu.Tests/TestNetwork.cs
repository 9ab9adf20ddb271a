using System.Globalization;
using System.Text.RegularExpressions;

namespace Nvo3.Qemu.Tests;

/// <summary>
/// Network namespaces and TAP devices for one test, named with a unique prefix (n3qXXXX);
/// disposing deletes them (and any TAP of that prefix QEMU left in our namespace), passed or not.
/// QEMU processes are not killed here: each test owns its <c>QemuVm</c>s and disposes them first.
/// </summary>
internal sealed partial class TestNetwork : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly List<string> _namespaces = [];

    public string Prefix { get; } = $"n3q{Random.Shared.Next(0x10000):x4}";

    /// <summary>Creates namespace PREFIX-<paramref name="name"/> with lo up.</summary>
    public string AddNamespace(string name)
    {
        string full = $"{Prefix}-{name}";
        Ip("netns", "add", full);
        _namespaces.Add(full);
        Ip("-n", full, "link", "set", "lo", "up");
        return full;
    }

    /// <summary>A TAP name of this test (at most 15 bytes).</summary>
    public string TapName(string suffix) => $"{Prefix}{suffix}";

    /// <summary>Creates persistent TAP <paramref name="tap"/> in <paramref name="netns"/> with <paramref name="cidr"/>, up.</summary>
    public void CreateTap(string netns, string tap, string cidr)
    {
        Ip("-n", netns, "tuntap", "add", "dev", tap, "mode", "tap");
        Configure(netns, tap, cidr);
    }

    /// <summary>Moves <paramref name="tap"/> (made by QEMU in our namespace) into <paramref name="netns"/> and configures it.</summary>
    public void AdoptTap(string tap, string netns, string cidr)
    {
        Ip("link", "set", tap, "netns", netns);
        Configure(netns, tap, cidr);
    }

    private static void Configure(string netns, string tap, string cidr)
    {
        // No DAD on the host side either, so the IPv6 address works at once.
        Ip("netns", "exec", netns, "sysctl", "-qw", $"net.ipv6.conf.{tap}.accept_dad=0");
        Ip("-n", netns, "addr", "add", cidr, "dev", tap);
        Ip("-n", netns, "link", "set", tap, "up");
    }

    /// <summary>Pings <paramref name="target"/> from <paramref name="netns"/>; returns how many answered.</summary>
    public static int Ping(string netns, string target, int count = 3, double interval = 0.2)
    {
        var result = HostProgram.RunAsync("ip", ["netns", "exec", netns, "ping", "-n", "-q", "-c", count.ToString(CultureInfo.InvariantCulture),
            "-i", interval.ToString(CultureInfo.InvariantCulture), "-W", "2", target], "iputils-ping", Timeout).GetAwaiter().GetResult();
        var match = Summary().Match(result.Text);
        if (match.Success)
        {
            return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        string state = HostProgram.RunAsync("ip", ["-n", netns, "-br", "addr"], "iproute2", Timeout).GetAwaiter().GetResult().Text
            + HostProgram.RunAsync("ip", ["-n", netns, "route"], "iproute2", Timeout).GetAwaiter().GetResult().Text;
        throw new IOException($"ping {target} from {netns}: {result.Text} {result.Error} Namespace: {state}");
    }

    /// <summary>Pings until one answer or <paramref name="timeout"/>: for a guest that is still bringing its link up.</summary>
    public static bool PingUntilAnswered(string netns, string target, TimeSpan timeout)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < timeout)
        {
            if (Ping(netns, target, count: 1) == 1)
            {
                return true;
            }
        }
        return false;
    }

    public static string Ip(params string[] arguments) =>
        HostProgram.RunCheckedAsync("ip", arguments, "iproute2", Timeout).GetAwaiter().GetResult().Text;

    public void Dispose()
    {
        foreach (string ns in _namespaces)
        {
            HostProgram.RunAsync("ip", ["netns", "del", ns], "iproute2", Timeout).GetAwaiter().GetResult();
        }
        // TAPs QEMU created in our namespace and a failed test did not move: QEMU's exit removes
        // them, persistent ones stay; remove ours either way.
        string links = HostProgram.RunAsync("ip", ["-o", "link", "show"], "iproute2", Timeout).GetAwaiter().GetResult().Text;
        foreach (Match m in LinkName().Matches(links))
        {
            if (m.Groups[1].Value.StartsWith(Prefix, StringComparison.Ordinal))
            {
                HostProgram.RunAsync("ip", ["link", "del", m.Groups[1].Value], "iproute2", Timeout).GetAwaiter().GetResult();
            }
        }
    }

    [GeneratedRegex(@"\d+ packets transmitted, (\d+) received")]
    private static partial Regex Summary();

    [GeneratedRegex(@"^\d+: ([^:@]+)[:@]", RegexOptions.Multiline)]
    private static partial Regex LinkName();
}
