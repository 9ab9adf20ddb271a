using System.Globalization;
using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Nva.View;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>
    /// Records a migration: the destination gets an Associated placement (pre-associate) and the
    /// source a prepared, inactive redirect to it, in one transaction (steps 1–2 of a hot move).
    /// A retry of the same request (same <see cref="BeginMigrationRequest.RequestId"/>) after it
    /// was applied answers the migration it made.
    /// </summary>
    public Task<Migration> BeginMigrationAsync(BeginMigrationRequest request, CancellationToken cancellationToken = default)
    {
        RequireName(request.Destination, "destination NVE");
        return TransactAsync($"begin migration to {request.Destination}", async source =>
        {
            Stored<Binding> entry;
            if (!string.IsNullOrEmpty(request.Name))
            {
                entry = await FindByNameAsync(source, request.Name, cancellationToken).ConfigureAwait(false)
                    ?? throw new NvaException(NvaError.NotFound, $"No workload named '{request.Name}'; list them with nvo3 vm list.");
            }
            else
            {
                entry = await RequireBindingAsync(source, request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
            }
            var binding = entry.Value;
            if (binding.MigrationId is { } openId && await source.GetAsync<Migration>(Keys.Migration(openId), cancellationToken).ConfigureAwait(false) is { Value.IsOpen: true } open)
            {
                if (request.RequestId is not null && open.Value.RequestId == request.RequestId)
                {
                    // This very request, retried after it was applied (its answer was lost).
                    return (new StoreTransaction().IfUnchanged(open), open.Value);
                }
                Refuse(NvaError.FailedPrecondition, $"'{binding.Name}' is already migrating ({open.Value.Id}, {open.Value.Phase}, to {open.Value.Destination}); commit or abort it first.");
            }
            var destinationEntry = await RequireNveAsync(source, request.Destination, cancellationToken).ConfigureAwait(false);
            var now = Now;
            if (!await IsAliveAsync(source, destinationEntry.Value, now, cancellationToken).ConfigureAwait(false))
            {
                Refuse(NvaError.FailedPrecondition, $"NVE '{request.Destination}' has not renewed its lease in time; is it running?");
            }
            string sourceNve = binding.ActiveNve
                ?? throw new NvaException(NvaError.FailedPrecondition, $"'{binding.Name}' is not active at any NVE ({Describe(binding)}); nothing to move.");
            if (sourceNve == request.Destination)
            {
                Refuse(NvaError.InvalidArgument, $"'{binding.Name}' is already at {sourceNve}.");
            }
            if (binding.Sticky)
            {
                Refuse(NvaError.FailedPrecondition, $"'{binding.Name}' is sticky and never moves.");
            }
            string id = string.Create(CultureInfo.InvariantCulture, $"m-{now:yyyyMMddHHmmssfff}-{Random.Shared.Next(0x10000):x4}");
            var migration = new Migration(id, binding.Vni, binding.Mac, binding.Name, sourceNve, request.Destination, request.Mode,
                MigrationPhase.Prepared, now, null, null, null, null, request.RequestId);
            var placements = binding.Placements.Where(p => p.Nve != request.Destination).ToList();
            placements.Add(new Placement(request.Destination, PlacementState.Associated, now));
            var updated = binding with { Placements = placements, MigrationId = id, Updated = now };
            var redirect = new Redirect(binding.Vni, binding.Mac, sourceNve, request.Destination, id, Active: false, Expires: null);
            var txn = new StoreTransaction()
                .IfUnchanged(entry)
                .IfUnchanged(destinationEntry)
                .IfAbsent(Keys.Migration(id))
                .Put(Keys.Migration(id), RecordJson.Encode(migration))
                .Put(Keys.Redirect(binding.Vni, binding.Mac, sourceNve), RecordJson.Encode(redirect));
            PutBinding(txn, updated);
            Log.MigrationPhase(_logger, id, binding.Name, sourceNve, request.Destination, MigrationPhase.Prepared);
            return (txn, migration);
        }, cancellationToken);
    }

    /// <summary>
    /// Records the pause at the source (step 4): the redirect becomes active, so the old NVE
    /// forwards packets in flight to the destination. The source stays Activated in the directory
    /// until the destination activates, so look-ups never find the workload nowhere. The redirect
    /// expires on its own if nothing follows: after <see cref="NvaSettings.MigrationPausedTimeout"/>
    /// and the network's cache lifetime and grace, by when the leader has settled the migration.
    /// </summary>
    public Task<Migration> PauseMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        TransactAsync($"pause migration {id}", async source =>
        {
            var migrationEntry = await RequireMigrationAsync(source, id, cancellationToken).ConfigureAwait(false);
            var migration = migrationEntry.Value;
            if (migration.Phase != MigrationPhase.Prepared)
            {
                return migration.Phase is MigrationPhase.Paused or MigrationPhase.Activated
                    ? (new StoreTransaction().IfUnchanged(migrationEntry), migration)
                    : throw new NvaException(NvaError.FailedPrecondition, $"Migration {id} is {migration.Phase}; only a prepared migration pauses.");
            }
            var now = Now;
            var paused = migration with { Phase = MigrationPhase.Paused, Paused = now };
            var txn = new StoreTransaction().IfUnchanged(migrationEntry).Put(migrationEntry.Key, RecordJson.Encode(paused));
            string redirectKey = Keys.Redirect(migration.Vni, migration.Mac, migration.Source);
            var redirect = await source.GetAsync<Redirect>(redirectKey, cancellationToken).ConfigureAwait(false);
            var lifetime = (await source.GetAsync<VirtualNetwork>(Keys.Network(migration.Vni), cancellationToken).ConfigureAwait(false))?.Value.CacheLifetime ?? Settings.DefaultCacheLifetime;
            var expires = now + Settings.MigrationPausedTimeout + lifetime + Settings.RedirectGrace;
            txn.IfUnchanged(redirectKey, redirect);
            txn.Put(redirectKey, RecordJson.Encode((redirect?.Value ?? new Redirect(migration.Vni, migration.Mac, migration.Source, migration.Destination, id, false, null))
                with { Active = true, Expires = expires }));
            Log.MigrationPhase(_logger, id, migration.Name, migration.Source, migration.Destination, MigrationPhase.Paused);
            return (txn, paused);
        }, cancellationToken);

    /// <summary>
    /// Completes an activated migration (step 6): the source is disassociated and the binding no
    /// longer refers to it. The redirect lives on until it expires.
    /// </summary>
    public Task<Migration> CommitMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        TransactAsync($"commit migration {id}", async source =>
        {
            var migrationEntry = await RequireMigrationAsync(source, id, cancellationToken).ConfigureAwait(false);
            var migration = migrationEntry.Value;
            if (migration.Phase == MigrationPhase.Completed)
            {
                return (new StoreTransaction().IfUnchanged(migrationEntry), migration);
            }
            if (migration.Phase != MigrationPhase.Activated)
            {
                Refuse(NvaError.FailedPrecondition, $"Migration {id} is {migration.Phase}; it commits once the destination is activated.");
            }
            var txn = new StoreTransaction();
            var done = await CompleteOpsAsync(source, txn, migrationEntry, "completed", null, cancellationToken).ConfigureAwait(false);
            return (txn, done);
        }, cancellationToken);

    /// <summary>
    /// Gives a migration up before the switchover: the destination is disassociated, the redirect
    /// removed, and the directory is as before the migration began.
    /// </summary>
    public Task<Migration> AbortMigrationAsync(string id, string reason, CancellationToken cancellationToken = default) =>
        TransactAsync($"abort migration {id}", async source =>
        {
            var migrationEntry = await RequireMigrationAsync(source, id, cancellationToken).ConfigureAwait(false);
            var migration = migrationEntry.Value;
            if (migration.Phase == MigrationPhase.Aborted)
            {
                return (new StoreTransaction().IfUnchanged(migrationEntry), migration);
            }
            if (migration.Phase is MigrationPhase.Activated or MigrationPhase.Completed)
            {
                Refuse(NvaError.FailedPrecondition, $"Migration {id} passed its switchover ({migration.Phase}); the destination is authoritative now. Migrate back instead.");
            }
            var txn = new StoreTransaction();
            var aborted = await AbortOpsAsync(source, txn, migrationEntry, string.IsNullOrWhiteSpace(reason) ? "aborted" : reason, null, cancellationToken).ConfigureAwait(false);
            return (txn, aborted);
        }, cancellationToken);

    /// <summary>Reads one migration, or null.</summary>
    public async Task<Migration?> GetMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        (await (await FreshSourceAsync(cancellationToken).ConfigureAwait(false)).GetAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false))?.Value;

    /// <summary>Lists every migration, oldest first.</summary>
    public async Task<IReadOnlyList<Migration>> ListMigrationsAsync(CancellationToken cancellationToken = default)
    {
        var (entries, _) = await (await FreshSourceAsync(cancellationToken).ConfigureAwait(false)).ListAsync<Migration>(Keys.Migrations, cancellationToken).ConfigureAwait(false);
        return entries.Select(e => e.Value).OrderBy(m => m.Started).ToList();
    }

    /// <summary>Lists every redirect.</summary>
    public async Task<IReadOnlyList<Redirect>> ListRedirectsAsync(CancellationToken cancellationToken = default)
    {
        var (entries, _) = await (await FreshSourceAsync(cancellationToken).ConfigureAwait(false)).ListAsync<Redirect>(Keys.Redirects, cancellationToken).ConfigureAwait(false);
        return entries.Select(e => e.Value).ToList();
    }

    /// <summary>Removes redirects whose time has passed; returns how many. The leader runs this periodically.</summary>
    public async Task<int> ExpireRedirectsAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        var (entries, _) = await (await FreshSourceAsync(cancellationToken).ConfigureAwait(false)).ListAsync<Redirect>(Keys.Redirects, cancellationToken).ConfigureAwait(false);
        int removed = 0;
        foreach (var e in entries)
        {
            if (e.Value.Expires is { } expires && expires <= now)
            {
                var commit = await CommitAsync(new StoreTransaction().IfUnchanged(e).Delete(e.Key), cancellationToken).ConfigureAwait(false);
                removed += commit.Succeeded ? 1 : 0;
            }
        }
        return removed;
    }

    /// <summary>Removes one redirect if its time has passed (the leader's sweep found it due in its copy); false otherwise.</summary>
    internal async Task<bool> ExpireRedirectAsync(string key, CancellationToken cancellationToken = default)
    {
        var source = await FreshSourceAsync(cancellationToken).ConfigureAwait(false);
        if (await source.GetAsync<Redirect>(key, cancellationToken).ConfigureAwait(false) is not { Value.Expires: { } expires } redirect || expires > Now)
        {
            return false;
        }
        return (await CommitAsync(new StoreTransaction().IfUnchanged(redirect).Delete(key), cancellationToken).ConfigureAwait(false)).Succeeded;
    }

    // Completes: the migration record, and the binding without the source's Associated placement
    // or the migration id. The source's redirect keeps running until it expires (it is given an
    // expiry now if it has none).
    private async Task<Migration> CompleteOpsAsync(IRecordSource source, StoreTransaction txn, Stored<Migration> migrationEntry, string result, string? settledBy, CancellationToken cancellationToken)
    {
        var migration = migrationEntry.Value;
        var now = Now;
        var done = await EndAsync(source, txn, migrationEntry, MigrationPhase.Completed, result, settledBy, migration.Source, cancellationToken).ConfigureAwait(false);
        string redirectKey = Keys.Redirect(migration.Vni, migration.Mac, migration.Source);
        if (await source.GetAsync<Redirect>(redirectKey, cancellationToken).ConfigureAwait(false) is { Value.Expires: null } untimed)
        {
            var lifetime = (await source.GetAsync<VirtualNetwork>(Keys.Network(migration.Vni), cancellationToken).ConfigureAwait(false))?.Value.CacheLifetime ?? Settings.DefaultCacheLifetime;
            txn.IfUnchanged(untimed).Put(redirectKey, RecordJson.Encode(untimed.Value with { Expires = now + lifetime + Settings.RedirectGrace }));
        }
        Log.MigrationPhase(_logger, migration.Id, migration.Name, migration.Source, migration.Destination, MigrationPhase.Completed);
        return done;
    }

    // Aborts: the migration record, the destination's Associated placement and the source's
    // redirect go; the directory is as before the migration began.
    private async Task<Migration> AbortOpsAsync(IRecordSource source, StoreTransaction txn, Stored<Migration> migrationEntry, string reason, string? settledBy, CancellationToken cancellationToken)
    {
        var migration = migrationEntry.Value;
        var aborted = await EndAsync(source, txn, migrationEntry, MigrationPhase.Aborted, reason, settledBy, migration.Destination, cancellationToken).ConfigureAwait(false);
        string redirectKey = Keys.Redirect(migration.Vni, migration.Mac, migration.Source);
        if (await source.GetAsync<Redirect>(redirectKey, cancellationToken).ConfigureAwait(false) is { } redirect && redirect.Value.MigrationId == migration.Id)
        {
            txn.IfUnchanged(redirect).Delete(redirectKey);
        }
        Log.MigrationPhase(_logger, migration.Id, migration.Name, migration.Source, migration.Destination, MigrationPhase.Aborted);
        return aborted;
    }

    // Ends the migration record, and takes from its binding the migration id and the Associated
    // placement at the NVE that lost (the source after a completion, the destination after an abort).
    private async Task<Migration> EndAsync(IRecordSource source, StoreTransaction txn, Stored<Migration> migrationEntry, MigrationPhase phase, string result,
        string? settledBy, string loser, CancellationToken cancellationToken)
    {
        var migration = migrationEntry.Value;
        var now = Now;
        var ended = migration with { Phase = phase, Ended = now, Result = result, SettledBy = settledBy };
        txn.IfUnchanged(migrationEntry).Put(migrationEntry.Key, RecordJson.Encode(ended));
        if (await source.GetAsync<Binding>(Keys.Binding(migration.Vni, migration.Mac), cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var binding = entry.Value;
            var placements = binding.Placements.Where(p => !(p.Nve == loser && p.State == PlacementState.Associated)).ToList();
            txn.IfUnchanged(entry);
            PutBinding(txn, binding with { Placements = placements, MigrationId = binding.MigrationId == migration.Id ? null : binding.MigrationId, Updated = now });
        }
        return ended;
    }

    private static async Task<Stored<Migration>> RequireMigrationAsync(IRecordSource source, string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            Refuse(NvaError.InvalidArgument, "The migration id is missing.");
        }
        return await source.GetAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false)
            ?? throw new NvaException(NvaError.NotFound, $"No migration '{id}'; list them with nvo3 migration list.");
    }
}
