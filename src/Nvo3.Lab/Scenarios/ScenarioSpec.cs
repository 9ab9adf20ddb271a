using Nvo3.Nve;

namespace Nvo3.Lab;

/// <summary>One demo scenario: what moves, how, and what the network around it does.</summary>
/// <param name="Name">Its name in the report.</param>
/// <param name="Layer">l2 or l3.</param>
/// <param name="Family">The tenant traffic: ipv4 or ipv6.</param>
/// <param name="Mode">hot, warm, cold or hot-standby.</param>
/// <param name="Announce">How the workload announces itself after the move.</param>
/// <param name="Description">One line for the table and help.</param>
public sealed record ScenarioSpec(string Name, string Layer, string Family, string Mode, Announcement Announce, string Description)
{
    /// <summary>Layer 3 with ILA for IPv6.</summary>
    public bool Ila { get; init; }

    /// <summary>For a cold move: what the old place does with traffic for the stopped task.</summary>
    public SuspendPolicy Suspend { get; init; } = SuspendPolicy.Drop;

    /// <summary>Every scenario the lab knows, in the order the demo runs them.</summary>
    public static IReadOnlyList<ScenarioSpec> All { get; } =
    [
        new("l2-ipv4-hot", "l2", "ipv4", "hot", Announcement.Garp, "a VM moves live; it announces with a gratuitous ARP; IPv4 probes"),
        new("l2-ipv6-hot", "l2", "ipv6", "hot", Announcement.Na, "a VM moves live; it announces with an unsolicited NA; IPv6 probes"),
        new("l2-ipv4-rarp", "l2", "ipv4", "hot", Announcement.Rarp, "a VM moves live and announces with QEMU's RARP, then asks its IP by RARP"),
        new("l2-ipv4-cold", "l2", "ipv4", "cold", Announcement.Garp, "a VM stops, its whole state moves, it starts at the new place"),
        new("l2-ipv4-warm", "l2", "ipv4", "warm", Announcement.Garp, "a standby takes checkpoints; the primary fails; the standby resumes from the last"),
        new("l2-ipv4-hot-standby", "l2", "ipv4", "hot-standby", Announcement.Garp, "two copies run identical; the primary fails; the secondary takes over"),
        new("l3-ipv6-ila-hot", "l3", "ipv6", "hot", Announcement.Na, "a task moves live in a Layer-3 network; ILA rewrites its locator") { Ila = true },
        new("l3-ipv4-silent-hot", "l3", "ipv4", "hot", Announcement.None, "a task moves live in a Layer-3 network and never announces; its NVE activates it and no VM learns its MAC"),
        new("l3-ipv4-task-cold", "l3", "ipv4", "cold", Announcement.Garp, "a task stops; the old place answers destination unreachable; it starts elsewhere with its address")
            { Suspend = SuspendPolicy.Unreachable },
    ];

    /// <summary>The scenario named <paramref name="name"/>, or null.</summary>
    public static ScenarioSpec? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
