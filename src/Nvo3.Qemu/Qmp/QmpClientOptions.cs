namespace Nvo3.Qemu.Qmp;

/// <summary>Limits of a <see cref="QmpClient"/>.</summary>
public sealed record QmpClientOptions
{
    /// <summary>
    /// The longest message accepted (default 4 MiB). QEMU 7.2's largest reply, query-qmp-schema,
    /// is about 200 KiB; anything far longer is not QEMU talking.
    /// </summary>
    public int MaxMessageBytes { get; init; } = 4 << 20;

    /// <summary>How many recent events <see cref="QmpClient.RecentEvents"/> keeps (default 256).</summary>
    public int EventHistory { get; init; } = 256;
}
