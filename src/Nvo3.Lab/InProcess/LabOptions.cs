using Nvo3.Nva;
using Nvo3.Nve;

namespace Nvo3.Lab;

/// <summary>How an in-process lab is built.</summary>
public sealed record LabOptions
{
    /// <summary>The underlay family: IPv4 (127.x.y.N, no root needed) or IPv6 (fd00:4e56:…::N on lo, needs root).</summary>
    public System.Net.Sockets.AddressFamily Underlay { get; init; } = System.Net.Sockets.AddressFamily.InterNetwork;

    /// <summary>The NVA's store: "memory" (default) or "sqlite" (a file in a temporary folder, removed at the end).</summary>
    public string Store { get; init; } = "memory";

    /// <summary>
    /// Mutual TLS between the NVEs, the lab and the NVA, with a throw-away CA made for the lab (in
    /// memory): each NVE talks to the NVA with its own <c>nvo3://nve/NAME</c> certificate, the lab
    /// as an operator, so the tested path is the secure one. Default on.
    /// </summary>
    public bool Tls { get; init; } = true;

    /// <summary>The NVA's rules.</summary>
    public NvaSettings Nva { get; init; } = new() { RedirectGrace = TimeSpan.FromMilliseconds(250), DefaultLease = TimeSpan.FromSeconds(10) };

    /// <summary>Where to write a capture of every underlay packet (null: none).</summary>
    public string? PcapPath { get; init; }

    /// <summary>A capture to share with other labs (the lab does not close it); wins over <see cref="PcapPath"/>.</summary>
    public UnderlayCapture? Capture { get; init; }

    /// <summary>Applied to each NVE's options (name and underlay are filled in by the lab).</summary>
    public Func<EdgeOptions, EdgeOptions> ConfigureNve { get; init; } = o => o;
}
