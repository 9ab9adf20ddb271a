namespace Nvo3.Nva;

/// <summary>The NVA's rules and limits, with the defaults a deployment starts from.</summary>
public sealed record NvaSettings
{
    /// <summary>How long NVEs may cache a look-up answer in a network that sets none. Default 30 s.</summary>
    public TimeSpan DefaultCacheLifetime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Added to a network's cache lifetime to time a redirect: the old NVE forwards packets in
    /// flight for lifetime + grace after the activation at the new NVE, so that every
    /// correspondent has refreshed its entry before forwarding stops. Default 1 s.
    /// </summary>
    public TimeSpan RedirectGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a registration lasts without a keep-alive. Default 30 s.</summary>
    public TimeSpan DefaultLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Unplanned moves within <see cref="DuplicateWindow"/> that mark a binding duplicate. Default 5 (RFC 7432).</summary>
    public int DuplicateMoves { get; init; } = 5;

    /// <summary>The duplicate-detection window. Default 180 s (RFC 7432).</summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>Warn or freeze. Default warn.</summary>
    public DuplicatePolicy DuplicatePolicy { get; init; } = DuplicatePolicy.Warn;

    /// <summary>How long a freeze lasts; null freezes until cleared. Default null.</summary>
    public TimeSpan? FreezeTime { get; init; }

    /// <summary>The most addresses, subnets or gateways one request may carry. Default 64.</summary>
    public int MaxListLength { get; init; } = 64;

    /// <summary>How many attempts a transaction gets against concurrent changes before the NVA answers Aborted. Default 64.</summary>
    public int MaxAttempts { get; init; } = 64;
}
