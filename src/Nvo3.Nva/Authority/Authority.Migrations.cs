using System.Globalization;
using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>
    /// Records a migration: the destination gets an Associated placement (pre-associate) and the
    /// source a prepared, inactive redirect to it, in one transaction (steps 1–2 of a hot move).
    /// </summary>
    public Task<Migration> BeginMigrationAsync(BeginMigrationRequest request, CancellationToken cancellationToken = default)
    {
        RequireName(request.Destination, "destination NVE");
        return TransactAsync($"begin migration to {request.Destination}", async () =>
        {
            Binding binding;
            StoreEntry entry;
            if (!string.IsNullOrEmpty(request.Name))
            {
                var found = await FindByNameAsync(request.Name, cancellationToken).ConfigureAwait(false)
                    ?? throw new NvaException(NvaError.NotFound, $"No workload named '{request.Name}'; list them with nvo3 vm list.");
                (binding, entry) = await RequireBindingAsync(found.Vni, found.Mac, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                (binding, entry) = await RequireBindingAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
            }
            var (destination, destinationEntry) = await RequireNveAsync(request.Destination, cancellationToken).ConfigureAwait(false);
            var now = Now;
            if (!destination.IsAlive(now))
            {
                Refuse(NvaError.FailedPrecondition, $"NVE '{request.Destination}' has not renewed its lease since {destination.LeaseExpires:O}; is it running?");
            }
            string source = binding.ActiveNve
                ?? throw new NvaException(NvaError.FailedPrecondition, $"'{binding.Name}' is not active at any NVE ({Describe(binding)}); nothing to move.");
            if (source == request.Destination)
            {
                Refuse(NvaError.InvalidArgument, $"'{binding.Name}' is already at {source}.");
            }
            if (binding.Sticky)
            {
                Refuse(NvaError.FailedPrecondition, $"'{binding.Name}' is sticky and never moves.");
            }
            if (binding.MigrationId is { } openId)
            {
                var (open, _) = await ReadAsync<Migration>(Keys.Migration(openId), cancellationToken).ConfigureAwait(false);
                if (open is { IsOpen: true })
                {
                    Refuse(NvaError.FailedPrecondition, $"'{binding.Name}' is already migrating ({open.Id}, {open.Phase}, to {open.Destination}); commit or abort it first.");
                }
            }
            string id = string.Create(CultureInfo.InvariantCulture, $"m-{now:yyyyMMddHHmmssfff}-{Random.Shared.Next(0x10000):x4}");
            var migration = new Migration(id, binding.Vni, binding.Mac, binding.Name, source, request.Destination, request.Mode,
                MigrationPhase.Prepared, now, null, null, null, null);
            var placements = binding.Placements.Where(p => p.Nve != request.Destination).ToList();
            placements.Add(new Placement(request.Destination, PlacementState.Associated, now));
            var updated = binding with { Placements = placements, MigrationId = id, Updated = now };
            var redirect = new Redirect(binding.Vni, binding.Mac, source, request.Destination, id, Active: false, Expires: null);
            var txn = new StoreTransaction()
                .IfUnchanged(entry.Key, entry)
                .IfUnchanged(destinationEntry.Key, destinationEntry)
                .IfAbsent(Keys.Migration(id))
                .Put(Keys.Migration(id), RecordJson.Encode(migration))
                .Put(Keys.Redirect(binding.Vni, binding.Mac, source), RecordJson.Encode(redirect));
            PutBinding(txn, updated);
            Log.MigrationPhase(_logger, id, binding.Name, source, request.Destination, MigrationPhase.Prepared);
            return (txn, migration);
        }, cancellationToken);
    }

    /// <summary>
    /// Records the pause at the source (step 4): the redirect becomes active, so the old NVE
    /// forwards packets in flight to the destination. The source stays Activated in the directory
    /// until the destination activates, so look-ups never find the workload nowhere.
    /// </summary>
    public Task<Migration> PauseMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        TransactAsync($"pause migration {id}", async () =>
        {
            var (migration, migrationEntry) = await RequireMigrationAsync(id, cancellationToken).ConfigureAwait(false);
            if (migration.Phase != MigrationPhase.Prepared)
            {
                return migration.Phase == MigrationPhase.Paused || migration.Phase == MigrationPhase.Activated
                    ? (new StoreTransaction(), migration)
                    : throw new NvaException(NvaError.FailedPrecondition, $"Migration {id} is {migration.Phase}; only a prepared migration pauses.");
            }
            var now = Now;
            var paused = migration with { Phase = MigrationPhase.Paused, Paused = now };
            var txn = new StoreTransaction().IfUnchanged(migrationEntry.Key, migrationEntry).Put(migrationEntry.Key, RecordJson.Encode(paused));
            string redirectKey = Keys.Redirect(migration.Vni, migration.Mac, migration.Source);
            var (redirect, redirectEntry) = await ReadAsync<Redirect>(redirectKey, cancellationToken).ConfigureAwait(false);
            txn.IfUnchanged(redirectKey, redirectEntry);
            txn.Put(redirectKey, RecordJson.Encode((redirect ?? new Redirect(migration.Vni, migration.Mac, migration.Source, migration.Destination, id, false, null)) with { Active = true }));
            Log.MigrationPhase(_logger, id, migration.Name, migration.Source, migration.Destination, MigrationPhase.Paused);
            return (txn, paused);
        }, cancellationToken);

    /// <summary>
    /// Completes an activated migration (step 6): the source is disassociated and the binding no
    /// longer refers to it. The redirect lives on until it expires.
    /// </summary>
    public Task<Migration> CommitMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        TransactAsync($"commit migration {id}", async () =>
        {
            var (migration, migrationEntry) = await RequireMigrationAsync(id, cancellationToken).ConfigureAwait(false);
            if (migration.Phase == MigrationPhase.Completed)
            {
                return (new StoreTransaction(), migration);
            }
            if (migration.Phase != MigrationPhase.Activated)
            {
                Refuse(NvaError.FailedPrecondition, $"Migration {id} is {migration.Phase}; it commits once the destination is activated.");
            }
            var now = Now;
            var done = migration with { Phase = MigrationPhase.Completed, Ended = now, Result = "completed" };
            var txn = new StoreTransaction().IfUnchanged(migrationEntry.Key, migrationEntry).Put(migrationEntry.Key, RecordJson.Encode(done));
            var (binding, entry) = await ReadAsync<Binding>(Keys.Binding(migration.Vni, migration.Mac), cancellationToken).ConfigureAwait(false);
            if (binding is not null)
            {
                var placements = binding.Placements.Where(p => !(p.Nve == migration.Source && p.State == PlacementState.Associated)).ToList();
                txn.IfUnchanged(entry!.Key, entry);
                PutBinding(txn, binding with { Placements = placements, MigrationId = binding.MigrationId == id ? null : binding.MigrationId, Updated = now });
            }
            Log.MigrationPhase(_logger, id, migration.Name, migration.Source, migration.Destination, MigrationPhase.Completed);
            return (txn, done);
        }, cancellationToken);

    /// <summary>
    /// Gives a migration up before the switchover: the destination is disassociated, the redirect
    /// removed, and the directory is as before the migration began.
    /// </summary>
    public Task<Migration> AbortMigrationAsync(string id, string reason, CancellationToken cancellationToken = default) =>
        TransactAsync($"abort migration {id}", async () =>
        {
            var (migration, migrationEntry) = await RequireMigrationAsync(id, cancellationToken).ConfigureAwait(false);
            if (migration.Phase == MigrationPhase.Aborted)
            {
                return (new StoreTransaction(), migration);
            }
            if (migration.Phase is MigrationPhase.Activated or MigrationPhase.Completed)
            {
                Refuse(NvaError.FailedPrecondition, $"Migration {id} passed its switchover ({migration.Phase}); the destination is authoritative now. Migrate back instead.");
            }
            var now = Now;
            var aborted = migration with { Phase = MigrationPhase.Aborted, Ended = now, Result = string.IsNullOrWhiteSpace(reason) ? "aborted" : reason };
            var txn = new StoreTransaction().IfUnchanged(migrationEntry.Key, migrationEntry).Put(migrationEntry.Key, RecordJson.Encode(aborted));
            var (binding, entry) = await ReadAsync<Binding>(Keys.Binding(migration.Vni, migration.Mac), cancellationToken).ConfigureAwait(false);
            if (binding is not null)
            {
                txn.IfUnchanged(entry!.Key, entry);
                var placements = binding.Placements.Where(p => !(p.Nve == migration.Destination && p.State == PlacementState.Associated)).ToList();
                PutBinding(txn, binding with { Placements = placements, MigrationId = null, Updated = now });
            }
            txn.Delete(Keys.Redirect(migration.Vni, migration.Mac, migration.Source));
            Log.MigrationPhase(_logger, id, migration.Name, migration.Source, migration.Destination, MigrationPhase.Aborted);
            return (txn, aborted);
        }, cancellationToken);

    /// <summary>Reads one migration, or null.</summary>
    public async Task<Migration?> GetMigrationAsync(string id, CancellationToken cancellationToken = default) =>
        (await ReadAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>Lists every migration, oldest first.</summary>
    public async Task<IReadOnlyList<Migration>> ListMigrationsAsync(CancellationToken cancellationToken = default)
    {
        var range = await _store.ListAsync(Keys.Migrations, cancellationToken).ConfigureAwait(false);
        return range.Entries.Select(e => RecordJson.Decode<Migration>(e.Value)).OrderBy(m => m.Started).ToList();
    }

    /// <summary>Lists every redirect.</summary>
    public async Task<IReadOnlyList<Redirect>> ListRedirectsAsync(CancellationToken cancellationToken = default)
    {
        var range = await _store.ListAsync(Keys.Redirects, cancellationToken).ConfigureAwait(false);
        return range.Entries.Select(e => RecordJson.Decode<Redirect>(e.Value)).ToList();
    }

    /// <summary>Removes redirects whose time has passed; returns how many. The NVA server runs this periodically.</summary>
    public async Task<int> ExpireRedirectsAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        var range = await _store.ListAsync(Keys.Redirects, cancellationToken).ConfigureAwait(false);
        int removed = 0;
        foreach (var e in range.Entries)
        {
            var r = RecordJson.Decode<Redirect>(e.Value);
            if (r.Expires is { } expires && expires <= now)
            {
                var commit = await _store.CommitAsync(new StoreTransaction().IfUnchanged(e.Key, e).Delete(e.Key), cancellationToken).ConfigureAwait(false);
                removed += commit.Succeeded ? 1 : 0;
            }
        }
        return removed;
    }

    private async Task<(Migration Migration, StoreEntry Entry)> RequireMigrationAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            Refuse(NvaError.InvalidArgument, "The migration id is missing.");
        }
        var (migration, entry) = await ReadAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false);
        return migration is null
            ? throw new NvaException(NvaError.NotFound, $"No migration '{id}'; list them with nvo3 migrate list.")
            : (migration, entry!);
    }
}
