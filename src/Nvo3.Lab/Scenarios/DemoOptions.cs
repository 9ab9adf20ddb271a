using System.Net.Sockets;

namespace Nvo3.Lab;

/// <summary>How the demo runs its scenarios (the options of <c>nvo3 demo</c>).</summary>
public sealed record DemoOptions
{
    /// <summary>Correspondent NVEs learn moves by push (watch) instead of pull (look-up at expiry).</summary>
    public bool Push { get; init; }

    /// <summary>The old NVE forwards packets in flight (off shows what the redirect saves).</summary>
    public bool InflightForwarding { get; init; } = true;

    /// <summary>The underlay family.</summary>
    public AddressFamily Underlay { get; init; } = AddressFamily.InterNetwork;

    /// <summary>How long NVEs may cache a look-up: long enough that packets in flight exist. Default 500 ms.</summary>
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The interval between probes. Default 1 ms.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How long probes flow before the move. Default 300 ms.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>A capture of every underlay packet of every scenario (null: none).</summary>
    public UnderlayCapture? Capture { get; init; }
}
