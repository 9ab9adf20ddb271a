using Nvo3.Nva;

namespace Nvo3.Nve;

/// <summary>An NVE's identity, modes and limits, with the defaults a deployment starts from.</summary>
public sealed record EdgeOptions
{
    /// <summary>The NVE's name in the directory.</summary>
    public required string Name { get; init; }

    /// <summary>Where it receives tunnelled traffic (UDP 4789 by default).</summary>
    public required UnderlayEndpoint Underlay { get; init; }

    /// <summary>How it learns remote locations. Default pull.</summary>
    public UpdateMode Mode { get; init; } = UpdateMode.Pull;

    /// <summary>When a binding arriving Associated activates. Default any announcement.</summary>
    public ActivationStrategy Activation { get; init; } = ActivationStrategy.Any;

    /// <summary>Forward packets in flight for a VM that left to its new NVE (the draft's redirect). Default on.</summary>
    public bool InflightForwarding { get; init; } = true;

    /// <summary>The most frames held for one binding about to activate. Default 1024.</summary>
    public int ActivationBufferFrames { get; init; } = 1024;

    /// <summary>How long held frames wait for the activation before they are dropped. Default 2 s.</summary>
    public TimeSpan ActivationBufferTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The most frames held for one destination while its location is looked up. Default 64.</summary>
    public int LookupQueueFrames { get; init; } = 64;

    /// <summary>How long a resumed VM may stay silent before the NVE activates it and announces for it. Default 200 ms.</summary>
    public TimeSpan AnnounceGrace { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many announcements the NVE sends for a silent VM (QEMU sends 5). Default 5.</summary>
    public int AnnounceCount { get; init; } = 5;

    /// <summary>The registration lease it asks for. Default 30 s.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a redirect started by a local pause lasts if the NVA never times it. Default 60 s.</summary>
    public TimeSpan LocalRedirectHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Once a redirect's hold has passed, it ends when no packet took it for this long (the draft's
    /// "stop tunneling when the old NVE stops receiving packets"). Default 250 ms.
    /// </summary>
    public TimeSpan RedirectIdle { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The most a redirect's hold is extended while packets still arrive. Default 30 s.</summary>
    public TimeSpan RedirectMaxExtension { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the agent beside it listens, if known at start (else <see cref="Edge.PublishAgentAsync"/>).</summary>
    public Uri? Agent { get; init; }

    /// <summary>Its ILA locator (Layer 3 with ILA).</summary>
    public ulong? IlaLocator { get; init; }

    /// <summary>Sockets that send, so the outer source port follows the inner flow. Default 8.</summary>
    public int SendSockets { get; init; } = 8;

    /// <summary>Send from the receive socket (for labs where NVEs share one address and are told apart by port).</summary>
    public bool SendFromReceivePort { get; init; }

    /// <summary>Frames read per receive batch. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>How often timers (activation buffers, announcements, redirects) are checked. Default 20 ms.</summary>
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Follow only the networks this NVE has ports in (and the NVE records): its view, its watch and
    /// its snapshots hold nothing of other networks, and change as ports come and go. Off: the
    /// whole directory (what callers that wait for a binding in the view before attaching its
    /// port need).
    /// </summary>
    public bool FollowPortNetworks { get; init; }
}
