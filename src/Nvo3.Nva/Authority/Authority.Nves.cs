using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Nva.View;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>
    /// Registers (or re-registers, after a restart) an NVE with a lease it renews with
    /// <see cref="KeepAliveAsync"/>. Refuses a name held by an external NVE, and an underlay
    /// endpoint another NVE uses.
    /// </summary>
    public Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, CancellationToken cancellationToken = default) =>
        RegisterNveAsync(name, underlay, ilaLocator, lease, agent: null, cancellationToken);

    /// <summary>Registers an NVE that runs an agent (ports, migrations) at <paramref name="agent"/> (http://HOST:PORT).</summary>
    public async Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, string? agent, CancellationToken cancellationToken = default) =>
        (await RegisterAsync(name, underlay, ilaLocator, lease, agent, cancellationToken).ConfigureAwait(false)).Nve;

    /// <summary>
    /// Registers an NVE, and says whether the NVA had taken it for dead: a registration whose
    /// lease ran out is renewed, not refused, and <c>WasDown</c> tells the NVE to reconcile (its
    /// standbys may have been activated elsewhere meanwhile).
    /// </summary>
    public Task<(NveRecord Nve, DateTimeOffset? WasDown)> RegisterAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, string? agent, CancellationToken cancellationToken = default)
    {
        if (agent is not null && (!Uri.TryCreate(agent, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            Refuse(NvaError.InvalidArgument, $"The agent address '{agent}' is not http://HOST:PORT.");
        }
        return PutNveAsync(name, underlay, ilaLocator, external: false, lease <= TimeSpan.Zero ? Settings.DefaultLease : lease, cancellationToken, agent);
    }

    /// <summary>Adds an NVE that does not register itself (a kernel VXLAN device): no lease, always alive.</summary>
    public async Task<NveRecord> AddNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, CancellationToken cancellationToken = default) =>
        (await PutNveAsync(name, underlay, ilaLocator, external: true, TimeSpan.Zero, cancellationToken, agent: null).ConfigureAwait(false)).Nve;

    private Task<(NveRecord Nve, DateTimeOffset? WasDown)> PutNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, bool external, TimeSpan lease, CancellationToken cancellationToken, string? agent)
    {
        RequireName(name, "NVE name");
        RequireListLength(underlay, "underlay endpoints");
        if (underlay.Count == 0)
        {
            Refuse(NvaError.InvalidArgument, $"NVE '{name}' needs an underlay address (--underlay 192.0.2.1).");
        }
        if (lease > TimeSpan.FromHours(24))
        {
            Refuse(NvaError.InvalidArgument, "A lease lasts at most 24 hours.");
        }
        return TransactAsync($"register NVE {name}", async source =>
        {
            var key = Keys.Nve(name);
            var entry = await source.GetAsync<NveRecord>(key, cancellationToken).ConfigureAwait(false);
            var existing = entry?.Value;
            if (existing is not null && external && existing.External && existing.Underlay.SequenceEqual(underlay) && existing.IlaLocator == ilaLocator)
            {
                // This very add, retried after it was applied (its answer was lost).
                return (new StoreTransaction().IfUnchanged(entry!), (existing, (DateTimeOffset?)null));
            }
            if (existing is not null && (existing.External || external))
            {
                Refuse(NvaError.AlreadyExists, $"NVE '{name}' already exists; delete it first (nvo3 nve delete) or pick another name.");
            }
            var txn = new StoreTransaction().IfUnchanged(key, entry);
            // Each underlay endpoint has an index entry naming its NVE, so claiming one compares that
            // entry alone: registrations of different NVEs never conflict, and a transaction stays
            // small however many NVEs there are (etcd takes 128 operations in one).
            foreach (var endpoint in underlay.Where(e => !e.Address.IsUnspecified).Distinct())
            {
                string indexKey = Keys.Underlay(endpoint);
                var owner = await source.GetAsync<string>(indexKey, cancellationToken).ConfigureAwait(false);
                if (owner is not null && owner.Value != name)
                {
                    Refuse(NvaError.AlreadyExists, $"Underlay {endpoint} is already NVE '{owner.Value}''s.");
                }
                txn.IfUnchanged(indexKey, owner);
                if (owner is null)
                {
                    txn.Put(indexKey, RecordJson.Encode(name));
                }
            }
            await ReleaseUnderlayAsync(source, txn, name, (existing?.Underlay ?? []).Except(underlay), cancellationToken).ConfigureAwait(false);
            var now = Now;
            var record = new NveRecord(name, underlay.ToList(), ilaLocator, external, existing?.Registered ?? now, external ? null : now + lease, agent);
            txn.Put(key, RecordJson.Encode(record));
            if (!external)
            {
                var leaseKey = Keys.Lease(name);
                txn.IfUnchanged(leaseKey, await source.GetAsync<NveLease>(leaseKey, cancellationToken).ConfigureAwait(false))
                   .Put(leaseKey, RecordJson.Encode(new NveLease(now + lease, now, lease)));
            }
            return (txn, (record, existing?.Down));
        }, cancellationToken);
    }

    // Removes the index entries of endpoints the NVE gives up (those that name it).
    private static async Task ReleaseUnderlayAsync(IRecordSource source, StoreTransaction txn, string name, IEnumerable<UnderlayEndpoint> endpoints, CancellationToken cancellationToken)
    {
        foreach (var endpoint in endpoints.Where(e => !e.Address.IsUnspecified).Distinct())
        {
            string indexKey = Keys.Underlay(endpoint);
            if (await source.GetAsync<string>(indexKey, cancellationToken).ConfigureAwait(false) is { } owner && owner.Value == name)
            {
                txn.IfUnchanged(owner).Delete(indexKey);
            }
        }
    }

    /// <summary>Renews a registration's lease; returns when it now expires.</summary>
    public async Task<DateTimeOffset> KeepAliveAsync(string name, TimeSpan lease, CancellationToken cancellationToken = default) =>
        (await RenewAsync(name, lease, cancellationToken).ConfigureAwait(false)).Expires;

    /// <summary>
    /// Renews a registration's lease (<paramref name="lease"/> zero: as long as it was registered
    /// for). Only the NVE's lease entry changes, so watchers hear nothing; an NVE the leader had
    /// marked down is revived (its record changes, and <c>WasDown</c> says since when it was down).
    /// </summary>
    public Task<(DateTimeOffset Expires, DateTimeOffset? WasDown)> RenewAsync(string name, TimeSpan lease, CancellationToken cancellationToken = default) =>
        TransactAsync($"keep NVE {name} alive", async source =>
        {
            var entry = await RequireNveAsync(source, name, cancellationToken).ConfigureAwait(false);
            var nve = entry.Value;
            var txn = new StoreTransaction().IfUnchanged(entry);
            if (nve.External)
            {
                return (txn, (DateTimeOffset.MaxValue, (DateTimeOffset?)null));
            }
            var leaseKey = Keys.Lease(name);
            var current = await source.GetAsync<NveLease>(leaseKey, cancellationToken).ConfigureAwait(false);
            var duration = lease > TimeSpan.Zero ? lease : current?.Value.Duration ?? Settings.DefaultLease;
            var now = Now;
            var expires = now + duration;
            txn.IfUnchanged(leaseKey, current).Put(leaseKey, RecordJson.Encode(new NveLease(expires, now, duration)));
            if (nve.Down is not null)
            {
                txn.Put(entry.Key, RecordJson.Encode(nve with { Down = null, LeaseExpires = expires }));
            }
            return (txn, (expires, nve.Down));
        }, cancellationToken);

    /// <summary>
    /// Marks an NVE down because its lease ran out (the leader's housekeeping); false when it
    /// was renewed meanwhile, is external, or is already down.
    /// </summary>
    internal Task<bool> MarkNveDownAsync(string name, CancellationToken cancellationToken = default) =>
        TransactAsync($"mark NVE {name} down", async source =>
        {
            var entry = await source.GetAsync<NveRecord>(Keys.Nve(name), cancellationToken).ConfigureAwait(false);
            if (entry is null || entry.Value.External || entry.Value.Down is not null)
            {
                return (new StoreTransaction(), false);
            }
            var lease = await source.GetAsync<NveLease>(Keys.Lease(name), cancellationToken).ConfigureAwait(false);
            var now = Now;
            if ((lease?.Value.Expires ?? entry.Value.LeaseExpires) > now)
            {
                return (new StoreTransaction().IfUnchanged(entry).IfUnchanged(Keys.Lease(name), lease), false);
            }
            var txn = new StoreTransaction().IfUnchanged(entry).IfUnchanged(Keys.Lease(name), lease)
                .Put(entry.Key, RecordJson.Encode(NveLease.Current(entry.Value, lease?.Value) with { Down = now }));
            Log.NveDown(_logger, name, lease?.Value.Renewed ?? entry.Value.Registered);
            return (txn, true);
        }, cancellationToken);

    /// <summary>Lists the NVEs in name order, each with its current lease.</summary>
    public async Task<IReadOnlyList<NveRecord>> ListNvesAsync(CancellationToken cancellationToken = default)
    {
        var source = await FreshSourceAsync(cancellationToken).ConfigureAwait(false);
        var (nves, _) = await source.ListAsync<NveRecord>(Keys.Nves, cancellationToken).ConfigureAwait(false);
        var (leases, _) = await source.ListAsync<NveLease>(Keys.Leases, cancellationToken).ConfigureAwait(false);
        var byName = leases.ToDictionary(l => l.Key[Keys.Leases.Length..], l => l.Value, StringComparer.Ordinal);
        return nves.Select(n => NveLease.Current(n.Value, byName.GetValueOrDefault(n.Value.Name))).ToList();
    }

    /// <summary>Reads one NVE with its current lease, or null.</summary>
    public async Task<NveRecord?> GetNveAsync(string name, CancellationToken cancellationToken = default) =>
        await CurrentNveAsync(await FreshSourceAsync(cancellationToken).ConfigureAwait(false), name, cancellationToken).ConfigureAwait(false);

    private static async Task<NveRecord?> CurrentNveAsync(IRecordSource source, string name, CancellationToken cancellationToken) =>
        await source.GetAsync<NveRecord>(Keys.Nve(name), cancellationToken).ConfigureAwait(false) is { } nve
            ? NveLease.Current(nve.Value, (await source.GetAsync<NveLease>(Keys.Lease(name), cancellationToken).ConfigureAwait(false))?.Value)
            : null;

    // Alive by its lease entry (the record's expiry is as of its last write) and not marked down.
    private static async Task<bool> IsAliveAsync(IRecordSource source, NveRecord nve, DateTimeOffset now, CancellationToken cancellationToken) =>
        nve.External || NveLease.Current(nve, (await source.GetAsync<NveLease>(Keys.Lease(nve.Name), cancellationToken).ConfigureAwait(false))?.Value).IsAlive(now);

    /// <summary>Removes an NVE; refuses while a binding is placed on it.</summary>
    public Task RemoveNveAsync(string name, CancellationToken cancellationToken = default) =>
        TransactAsync<bool>($"remove NVE {name}", async (source, retried) =>
        {
            if (retried && await source.GetAsync<NveRecord>(Keys.Nve(name), cancellationToken).ConfigureAwait(false) is null)
            {
                return (new StoreTransaction(), true); // a retried commit that had been applied
            }
            var entry = await RequireNveAsync(source, name, cancellationToken).ConfigureAwait(false);
            var (bindings, _) = await source.ListAsync<Binding>(Keys.Bindings, cancellationToken).ConfigureAwait(false);
            var placed = bindings.Select(e => e.Value).Where(b => b.At(name) is not null).ToList();
            if (placed.Count > 0)
            {
                Refuse(NvaError.FailedPrecondition, $"NVE '{name}' still hosts {placed.Count} binding(s) (first: {placed[0].Name}); move or detach them first.");
            }
            var txn = new StoreTransaction().IfUnchanged(entry).Delete(entry.Key).Delete(Keys.Lease(name));
            await ReleaseUnderlayAsync(source, txn, name, entry.Value.Underlay, cancellationToken).ConfigureAwait(false);
            return (txn, true);
        }, cancellationToken);
}
