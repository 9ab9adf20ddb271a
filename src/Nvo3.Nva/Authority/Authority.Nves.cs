using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;

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
    public Task<NveRecord> RegisterNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, TimeSpan lease, string? agent, CancellationToken cancellationToken = default)
    {
        if (agent is not null && (!Uri.TryCreate(agent, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            Refuse(NvaError.InvalidArgument, $"The agent address '{agent}' is not http://HOST:PORT.");
        }
        return PutNveAsync(name, underlay, ilaLocator, external: false, lease <= TimeSpan.Zero ? Settings.DefaultLease : lease, cancellationToken, agent);
    }

    /// <summary>Adds an NVE that does not register itself (a kernel VXLAN device): no lease, always alive.</summary>
    public Task<NveRecord> AddNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, CancellationToken cancellationToken = default) =>
        PutNveAsync(name, underlay, ilaLocator, external: true, TimeSpan.Zero, cancellationToken, agent: null);

    private Task<NveRecord> PutNveAsync(string name, IReadOnlyList<UnderlayEndpoint> underlay, ulong? ilaLocator, bool external, TimeSpan lease, CancellationToken cancellationToken, string? agent)
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
        return TransactAsync($"register NVE {name}", async () =>
        {
            var key = Keys.Nve(name);
            var (existing, entry) = await ReadAsync<NveRecord>(key, cancellationToken).ConfigureAwait(false);
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
                var owner = await _store.GetAsync(indexKey, cancellationToken).ConfigureAwait(false);
                string? ownerName = owner is null ? null : RecordJson.Decode<string>(owner.Value);
                if (ownerName is not null && ownerName != name)
                {
                    Refuse(NvaError.AlreadyExists, $"Underlay {endpoint} is already NVE '{ownerName}''s.");
                }
                txn.IfUnchanged(indexKey, owner);
                if (ownerName is null)
                {
                    txn.Put(indexKey, RecordJson.Encode(name));
                }
            }
            await ReleaseUnderlayAsync(txn, name, (existing?.Underlay ?? []).Except(underlay), cancellationToken).ConfigureAwait(false);
            var now = Now;
            var record = new NveRecord(name, underlay.ToList(), ilaLocator, external, existing?.Registered ?? now, external ? null : now + lease, agent);
            return (txn.Put(key, RecordJson.Encode(record)), record);
        }, cancellationToken);
    }

    // Removes the index entries of endpoints the NVE gives up (those that name it).
    private async Task ReleaseUnderlayAsync(StoreTransaction txn, string name, IEnumerable<UnderlayEndpoint> endpoints, CancellationToken cancellationToken)
    {
        foreach (var endpoint in endpoints.Where(e => !e.Address.IsUnspecified).Distinct())
        {
            string indexKey = Keys.Underlay(endpoint);
            var owner = await _store.GetAsync(indexKey, cancellationToken).ConfigureAwait(false);
            if (owner is not null && RecordJson.Decode<string>(owner.Value) == name)
            {
                txn.IfUnchanged(indexKey, owner).Delete(indexKey);
            }
        }
    }

    /// <summary>Renews a registration's lease; returns when it now expires.</summary>
    public Task<DateTimeOffset> KeepAliveAsync(string name, TimeSpan lease, CancellationToken cancellationToken = default) =>
        TransactAsync($"keep NVE {name} alive", async () =>
        {
            var (nve, entry) = await RequireNveAsync(name, cancellationToken).ConfigureAwait(false);
            if (nve.External)
            {
                return (new StoreTransaction(), DateTimeOffset.MaxValue);
            }
            var expires = Now + (lease <= TimeSpan.Zero ? Settings.DefaultLease : lease);
            var key = Keys.Nve(name);
            return (new StoreTransaction().IfUnchanged(key, entry).Put(key, RecordJson.Encode(nve with { LeaseExpires = expires })), expires);
        }, cancellationToken);

    /// <summary>Lists the NVEs in name order.</summary>
    public async Task<IReadOnlyList<NveRecord>> ListNvesAsync(CancellationToken cancellationToken = default)
    {
        var range = await _store.ListAsync(Keys.Nves, cancellationToken).ConfigureAwait(false);
        return range.Entries.Select(e => RecordJson.Decode<NveRecord>(e.Value)).ToList();
    }

    /// <summary>Reads one NVE, or null.</summary>
    public async Task<NveRecord?> GetNveAsync(string name, CancellationToken cancellationToken = default) =>
        (await ReadAsync<NveRecord>(Keys.Nve(name), cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>Removes an NVE; refuses while a binding is placed on it.</summary>
    public Task RemoveNveAsync(string name, CancellationToken cancellationToken = default) =>
        TransactAsync<bool>($"remove NVE {name}", async () =>
        {
            var (nve, entry) = await RequireNveAsync(name, cancellationToken).ConfigureAwait(false);
            var bindings = await _store.ListAsync(Keys.Bindings, cancellationToken).ConfigureAwait(false);
            var placed = bindings.Entries.Select(e => RecordJson.Decode<Binding>(e.Value)).Where(b => b.At(name) is not null).ToList();
            if (placed.Count > 0)
            {
                Refuse(NvaError.FailedPrecondition, $"NVE '{name}' still hosts {placed.Count} binding(s) (first: {placed[0].Name}); move or detach them first.");
            }
            var key = Keys.Nve(name);
            var txn = new StoreTransaction().IfUnchanged(key, entry).Delete(key);
            await ReleaseUnderlayAsync(txn, name, nve.Underlay, cancellationToken).ConfigureAwait(false);
            return (txn, true);
        }, cancellationToken);
}
