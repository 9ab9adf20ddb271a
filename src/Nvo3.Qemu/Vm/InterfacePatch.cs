namespace Nvo3.Qemu.Vm;

/// <summary>
/// Joins two interfaces back to back like a patch cable: every frame one receives is sent out of
/// the other (tc: an ingress qdisc, a u32 filter that matches everything, and a mirred egress
/// redirect, both ways; u32 rather than matchall because some kernels, this project's CI among
/// them, lack cls_matchall). This is how a QEMU
/// guest's TAP meets an NVE's TAP port: each TAP has one "wire" end (the descriptor, held by
/// QEMU or by the NVE) and one kernel end (the interface); frames QEMU writes arrive on its
/// interface, and the patch hands them to the NVE's interface, whose descriptor the NVE reads.
/// Neither interface needs an address; no bridge learns or floods.
/// </summary>
public static class InterfacePatch
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>Patches <paramref name="first"/> and <paramref name="second"/> together (in namespace <paramref name="netns"/>, or ours) and brings both up.</summary>
    public static async Task ConnectAsync(string? netns, string first, string second, CancellationToken cancellationToken = default)
    {
        foreach (var (from, to) in new[] { (first, second), (second, first) })
        {
            await RunAsync("ip", Namespaced(netns, ["link", "set", from, "up"]), cancellationToken).ConfigureAwait(false);
            await RunAsync("tc", Namespaced(netns, ["qdisc", "replace", "dev", from, "ingress"]), cancellationToken).ConfigureAwait(false);
            await RunAsync("tc", Namespaced(netns, ["filter", "add", "dev", from, "ingress", "protocol", "all", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", to]), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the patch from both interfaces (their ingress qdiscs), when they still exist.</summary>
    public static async Task DisconnectAsync(string? netns, string first, string second, CancellationToken cancellationToken = default)
    {
        foreach (string device in (string[])[first, second])
        {
            await HostProgram.RunAsync("tc", Namespaced(netns, ["qdisc", "del", "dev", device, "ingress"]), "iproute2", s_timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string[] Namespaced(string? netns, string[] arguments) => netns is null ? arguments : ["-n", netns, .. arguments];

    private static Task RunAsync(string tool, string[] arguments, CancellationToken cancellationToken) =>
        HostProgram.RunCheckedAsync(tool, arguments, "iproute2", s_timeout, cancellationToken);
}
