using Microsoft.Extensions.Logging;
using Nvo3.Nva.Records;
using Nvo3.Nva.View;

namespace Nvo3.Nva.Leadership;

/// <summary>
/// What the leading NVA does on each sweep, all from its watched copy and each decision a
/// compare-and-swap through the authority: removes expired redirects; marks down the NVEs whose
/// lease ran out and activates the warm or hot standby of each binding they held; settles the
/// migrations past their phase's deadline (or whose destination is down); removes the records of
/// migrations that ended long enough ago, or beyond the number kept.
/// </summary>
internal sealed partial class Housekeeper(Authority authority, DirectoryCache view, ILogger logger)
{
    // Record clean-up needs no 200 ms cadence: every 25th sweep (5 s by default).
    private const int CleanUpEvery = 25;
    private long _sweeps;

    /// <summary>Standbys activated since the NVA started.</summary>
    public long Failovers { get; private set; }

    /// <summary>Migrations settled since the NVA started.</summary>
    public long Settled { get; private set; }

    /// <summary>One sweep. Store failures throw (the supervising loop backs off and retries).</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        var now = authority.Time.GetUtcNow();
        foreach (string key in view.Expired(Keys.Redirects, now))
        {
            await authority.ExpireRedirectAsync(key, cancellationToken).ConfigureAwait(false);
        }
        foreach (string key in view.Expired(Keys.Leases, now))
        {
            // Only after a whole lease of healthy store: an NVE could not renew while the store was away.
            if (view.Get<NveLease>(key) is { } lease && now - authority.Health.HealthySince >= lease.Value.Duration)
            {
                await authority.MarkNveDownAsync(key[Keys.Leases.Length..], cancellationToken).ConfigureAwait(false);
            }
        }
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        await FailOverAsync(cancellationToken).ConfigureAwait(false);
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        await SettleAsync(now, cancellationToken).ConfigureAwait(false);
        if (_sweeps++ % CleanUpEvery == 0)
        {
            int removed = await authority.RemoveEndedMigrationsAsync(cancellationToken).ConfigureAwait(false);
            if (removed > 0)
            {
                Log.Removed(logger, removed);
            }
        }
    }

    // Each step decides on a copy that holds this NVA's own writes, those of the step before among them.
    private ValueTask<bool> CatchUpAsync(CancellationToken cancellationToken) =>
        view.WaitForAsync(authority.LastCommittedRevision, cancellationToken);

    // Every binding still active at a down NVE that has a standby: also those a previous leader
    // marked down but died before failing over.
    private async Task FailOverAsync(CancellationToken cancellationToken)
    {
        var (nves, _) = view.List<NveRecord>(Keys.Nves);
        foreach (var nve in nves)
        {
            if (nve.Value.Down is null)
            {
                continue;
            }
            foreach (var binding in view.BindingsAt(nve.Value.Name))
            {
                if (binding.Value.MigrationId is not null && binding.Value.ActiveNve == nve.Value.Name
                    && await authority.FailOverAsync(binding.Value.Vni, binding.Value.Mac, nve.Value.Name, cancellationToken).ConfigureAwait(false) is not null)
                {
                    Failovers++;
                }
            }
        }
    }

    private async Task SettleAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (migrations, _) = view.List<Migration>(Keys.Migrations);
        foreach (var entry in migrations)
        {
            var m = entry.Value;
            if (!m.IsOpen)
            {
                continue;
            }
            bool late = authority.DeadlineOf(m) is { } deadline && deadline <= now;
            bool destinationDown = m.Phase != MigrationPhase.Activated
                && (view.Get<NveRecord>(Keys.Nve(m.Destination)) is not { } d || !view.CurrentNve(d.Value).IsAlive(now));
            if ((late || destinationDown) && !(await authority.SettleIfDueAsync(m.Id, cancellationToken).ConfigureAwait(false)).IsOpen)
            {
                Settled++;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Removed {Count} ended migration record(s) past their retention")]
        public static partial void Removed(ILogger logger, int count);
    }
}
