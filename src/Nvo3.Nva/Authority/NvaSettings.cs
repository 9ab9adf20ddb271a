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

    /// <summary>The most networks one watch or snapshot may name. Default 4,096.</summary>
    public int MaxWatchedNetworks { get; init; } = 4_096;

    /// <summary>The most look-ups one message of a look-up stream may carry. Default 1,024.</summary>
    public int MaxLookupBatch { get; init; } = 1_024;

    /// <summary>How many attempts a transaction gets against concurrent changes before the NVA answers Aborted. Default 64.</summary>
    public int MaxAttempts { get; init; } = 64;

    /// <summary>
    /// How long a hot, warm or cold migration may stay prepared (pre-copy running) before the
    /// leader settles it. Default 10 minutes: a large VM's pre-copy. Standby protections (warm and
    /// hot standby) stay prepared as long as both sides live.
    /// </summary>
    public TimeSpan MigrationPreparedTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a migration may stay paused (the workload stopped at the source, the rest of its
    /// state on the way) before the leader settles it. Default 1 minute. A paused migration's
    /// redirect expires this long plus the network's cache lifetime and the grace after the pause.
    /// </summary>
    public TimeSpan MigrationPausedTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a migration may stay activated (the destination forwarding, the source not yet
    /// disassociated) before the leader completes it. Default 2 minutes: longer than a redirect
    /// lives with the default cache lifetime, so coordinators commit first.
    /// </summary>
    public TimeSpan MigrationActivatedTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a completed or aborted migration's record is kept. Default 1 hour.</summary>
    public TimeSpan MigrationRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The most completed or aborted migration records kept (the oldest go first). Default 1,000.</summary>
    public int MaxEndedMigrations { get; init; } = 1_000;
}
