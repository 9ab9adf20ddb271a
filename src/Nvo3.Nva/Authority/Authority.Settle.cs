using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Nva.View;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>
    /// Ends an open migration whose coordinator is gone, from the directory's own records, now
    /// (an operator's <c>nvo3 migration settle</c>); an ended migration is answered as it is.
    /// </summary>
    /// <remarks>
    /// The NVA cannot ask the agents, so the evidence is which NVE the directory saw activate:
    /// the binding active at the destination (or the migration past its switchover) completes the
    /// migration and disassociates the source, as a commit would; the binding still active at the
    /// source, elsewhere, or nowhere aborts it and disassociates the destination, as an abort would;
    /// a binding that is gone aborts it. A workload runs in exactly one place, and it is the place
    /// whose NVE activated it last: an NVE that activated while the NVA was away confirms it with
    /// <see cref="ConfirmActivationAsync"/>, and the sequence numbers decide.
    /// </remarks>
    public Task<Migration> SettleMigrationAsync(string id, string settledBy, CancellationToken cancellationToken = default) =>
        SettleAsync(id, string.IsNullOrWhiteSpace(settledBy) ? "operator" : settledBy, onlyWhenDue: false, cancellationToken);

    /// <summary>Settles a migration if it is past its phase's deadline, or its destination is down (the leader's housekeeping).</summary>
    internal Task<Migration> SettleIfDueAsync(string id, CancellationToken cancellationToken = default) =>
        SettleAsync(id, "leader", onlyWhenDue: true, cancellationToken);

    private Task<Migration> SettleAsync(string id, string settledBy, bool onlyWhenDue, CancellationToken cancellationToken) =>
        TransactAsync($"settle migration {id}", async source =>
        {
            var entry = await RequireMigrationAsync(source, id, cancellationToken).ConfigureAwait(false);
            var migration = entry.Value;
            var now = Now;
            string? due = migration.IsOpen ? await DueAsync(source, migration, now, cancellationToken).ConfigureAwait(false) : null;
            if (!migration.IsOpen || (onlyWhenDue && due is null))
            {
                return (new StoreTransaction().IfUnchanged(entry), migration);
            }
            string why = due ?? "settled on request";
            var txn = new StoreTransaction();
            var binding = (await source.GetAsync<Binding>(Keys.Binding(migration.Vni, migration.Mac), cancellationToken).ConfigureAwait(false))?.Value;
            Migration settled;
            if (binding is not null && (binding.ActiveNve == migration.Destination || migration.Phase == MigrationPhase.Activated))
            {
                settled = await CompleteOpsAsync(source, txn, entry,
                    $"{why}; the destination {migration.Destination} was activated, so the source {migration.Source} is disassociated", settledBy, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                string where = binding is null ? "the binding is gone" : $"the binding is active at {binding.ActiveNve ?? "no NVE"}, not at the destination";
                settled = await AbortOpsAsync(source, txn, entry, $"{why}; {where}, so the destination {migration.Destination} is disassociated", settledBy, cancellationToken).ConfigureAwait(false);
            }
            Log.Settled(_logger, migration.Id, migration.Name, settled.Phase, settled.Result!);
            return (txn, settled);
        }, cancellationToken);

    /// <summary>The deadline of an open migration's phase; null for a standby protection, which lasts while both sides live.</summary>
    public DateTimeOffset? DeadlineOf(Migration migration) => migration.Phase switch
    {
        MigrationPhase.Prepared when migration.Mode is MigrationMode.HotStandby or MigrationMode.Warm => null,
        MigrationPhase.Prepared => migration.Started + Settings.MigrationPreparedTimeout,
        MigrationPhase.Paused => (migration.Paused ?? migration.Started) + Settings.MigrationPausedTimeout,
        MigrationPhase.Activated => (migration.Activated ?? migration.Started) + Settings.MigrationActivatedTimeout,
        _ => null,
    };

    // Why an open migration must be settled now, or null while it may go on.
    private async Task<string?> DueAsync(IRecordSource source, Migration migration, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (migration.Phase != MigrationPhase.Activated)
        {
            var destination = await CurrentNveAsync(source, migration.Destination, cancellationToken).ConfigureAwait(false);
            if (destination is null || !destination.IsAlive(now))
            {
                return $"its destination {migration.Destination} is {(destination is null ? "gone" : "down")}";
            }
        }
        return DeadlineOf(migration) is { } deadline && deadline <= now
            ? $"{migration.Phase.ToString().ToLowerInvariant()} past its deadline ({deadline:O})"
            : null;
    }

    /// <summary>
    /// Activates the standby of a binding whose primary NVE is down (the draft's section 7): the
    /// binding is active at <paramref name="downNve"/> and has an open warm or hot-standby
    /// migration whose destination holds it Associated and lives. The activation is a planned
    /// one (trigger Failover, the next sequence number); the migration then completes. Returns
    /// the standby's name, or null when there was none to activate.
    /// </summary>
    internal async Task<string?> FailOverAsync(uint vni, Packets.MacAddress mac, string downNve, CancellationToken cancellationToken = default)
    {
        var source = await FreshSourceAsync(cancellationToken).ConfigureAwait(false);
        var binding = (await source.GetAsync<Binding>(Keys.Binding(vni, mac), cancellationToken).ConfigureAwait(false))?.Value;
        if (binding is not { MigrationId: { } id } || binding.ActiveNve != downNve
            || await source.GetAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false) is not { } entry
            || entry.Value is not { IsOpen: true, Mode: MigrationMode.HotStandby or MigrationMode.Warm, Phase: MigrationPhase.Prepared or MigrationPhase.Paused } migration
            || migration.Source != downNve
            || binding.At(migration.Destination) is not { State: PlacementState.Associated }
            || await CurrentNveAsync(source, migration.Destination, cancellationToken).ConfigureAwait(false) is not { } standby
            || !standby.IsAlive(Now))
        {
            return null;
        }
        // Planned: the standby's Associated placement makes the activation take the next number,
        // never count as a duplicate, and mark the migration Activated in the same transaction.
        await ActivateAsync(new ActivateRequest(vni, mac, migration.Destination, MoveTrigger.Failover), cancellationToken).ConfigureAwait(false);
        var renewed = (await _storeSource.GetAsync<NveLease>(Keys.Lease(downNve), cancellationToken).ConfigureAwait(false))?.Value.Renewed;
        long outage = renewed is { } r ? (long)(Now - r).TotalMilliseconds : -1;
        await TransactAsync($"complete failover {id}", async s =>
        {
            var current = await RequireMigrationAsync(s, id, cancellationToken).ConfigureAwait(false);
            var txn = new StoreTransaction();
            return current.Value.Phase != MigrationPhase.Activated
                ? (txn.IfUnchanged(current), current.Value)
                : (txn, await CompleteOpsAsync(s, txn, current, $"failed over: the primary {downNve} stopped renewing its lease", "leader", cancellationToken).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
        Log.FailedOver(_logger, binding.Name, migration.Destination, downNve, outage);
        return migration.Destination;
    }

    /// <summary>
    /// Removes completed and aborted migrations older than <see cref="NvaSettings.MigrationRetention"/>,
    /// and the oldest beyond <see cref="NvaSettings.MaxEndedMigrations"/>; returns how many.
    /// </summary>
    internal async Task<int> RemoveEndedMigrationsAsync(CancellationToken cancellationToken = default)
    {
        var source = await FreshSourceAsync(cancellationToken).ConfigureAwait(false);
        var (entries, _) = await source.ListAsync<Migration>(Keys.Migrations, cancellationToken).ConfigureAwait(false);
        var now = Now;
        var ended = entries.Where(e => !e.Value.IsOpen).OrderBy(e => e.Value.Ended ?? e.Value.Started).ToList();
        int excess = Math.Max(0, ended.Count - Settings.MaxEndedMigrations);
        var doomed = ended.Where((e, i) => i < excess || (e.Value.Ended ?? e.Value.Started) + Settings.MigrationRetention <= now).ToList();
        int removed = 0;
        // Batches well under what any store takes in one transaction (etcd: 128 operations).
        foreach (var chunk in doomed.Chunk(MaxBatchOperations / 2))
        {
            var txn = new StoreTransaction();
            foreach (var e in chunk)
            {
                txn.IfUnchanged(e).Delete(e.Key);
            }
            if ((await CommitAsync(txn, cancellationToken).ConfigureAwait(false)).Succeeded)
            {
                removed += chunk.Length;
            }
        }
        return removed;
    }
}
