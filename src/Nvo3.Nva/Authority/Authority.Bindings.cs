using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Nva.View;
using Nvo3.Packets;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>Creates a binding Activated at its NVE (Associate then Activate, as one step).</summary>
    public Task<Binding> AttachAsync(AttachRequest request, CancellationToken cancellationToken = default) =>
        CreateBindingAsync(request, PlacementState.Activated, cancellationToken);

    /// <summary>
    /// Associates a binding at an NVE (RFC 8394): creates it Associated when it is new (the
    /// addresses are then required), or adds an Associated placement when it exists (the
    /// addresses, if given, must be its own).
    /// </summary>
    public async Task<Binding> AssociateAsync(AttachRequest request, CancellationToken cancellationToken = default)
    {
        var existing = await _store.GetAsync(Keys.Binding(request.Vni, request.Mac), cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return await CreateBindingAsync(request, PlacementState.Associated, cancellationToken).ConfigureAwait(false);
        }
        return await TransactAsync($"associate {request.Mac} at {request.Nve}", async source =>
        {
            var entry = await RequireBindingAsync(source, request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
            var binding = entry.Value;
            await RequireNveAsync(source, request.Nve, cancellationToken).ConfigureAwait(false);
            if (request.Ips.Count > 0 && !request.Ips.ToHashSet().SetEquals(binding.Ips))
            {
                Refuse(NvaError.FailedPrecondition, $"MAC {request.Mac} is bound to {string.Join(", ", binding.Ips)}; the directory is the authority for its addresses.");
            }
            var txn = new StoreTransaction().IfUnchanged(entry);
            if (binding.At(request.Nve) is not null)
            {
                return (txn, binding);
            }
            var updated = binding with
            {
                Placements = [.. binding.Placements, new Placement(request.Nve, PlacementState.Associated, Now)],
                Updated = Now,
            };
            return (PutBinding(txn, updated), updated);
        }, cancellationToken).ConfigureAwait(false);
    }

    private Task<Binding> CreateBindingAsync(AttachRequest request, PlacementState state, CancellationToken cancellationToken)
    {
        RequireVni(request.Vni);
        RequireUnicastMac(request.Mac);
        RequireListLength(request.Ips, "addresses");
        string name = request.Name ?? request.Mac.ToString();
        if (request.Name is not null)
        {
            RequireName(request.Name, "workload name");
        }
        if (request.Ips.Count == 0)
        {
            Refuse(NvaError.InvalidArgument, $"MAC {request.Mac} needs at least one IP address (--ip).");
        }
        if (request.Ips.Distinct().Count() != request.Ips.Count)
        {
            Refuse(NvaError.InvalidArgument, "An address is listed twice.");
        }
        return TransactAsync($"attach {request.Mac} in VNI {request.Vni}", async source =>
        {
            var networkEntry = await RequireNetworkAsync(source, request.Vni, cancellationToken).ConfigureAwait(false);
            var network = networkEntry.Value;
            if (network.Deleting)
            {
                Refuse(NvaError.FailedPrecondition, $"VNI {request.Vni} is being deleted and takes no new binding (nvo3 vn delete --vni {request.Vni} --force finishes a delete that stopped).");
            }
            await RequireNveAsync(source, request.Nve, cancellationToken).ConfigureAwait(false);
            foreach (var ip in request.Ips)
            {
                if (!network.Contains(ip))
                {
                    Refuse(NvaError.InvalidArgument, $"{ip} lies outside VNI {request.Vni}'s subnets ({string.Join(", ", network.Subnets)}).");
                }
                if (network.Gateways.Any(g => g.Ip == ip))
                {
                    Refuse(NvaError.InvalidArgument, $"{ip} is VNI {request.Vni}'s anycast gateway address.");
                }
                if (ip.IsV6 && network.IlaSirPrefix is { } sir && (ulong)(ip.V6Value >> 64) == sir && !new IlaTranslation(sir, 0).TryToIla(ip, out _, out var refusal))
                {
                    // ILA maps the identifier checksum-neutrally; these identifiers cannot round-trip.
                    Refuse(NvaError.InvalidArgument, $"{ip} cannot be an ILA identifier in VNI {request.Vni} ({refusal}): its low 16 bits must not be zero and its C-bit (bit 60 of the identifier) must be clear.");
                }
            }
            string key = Keys.Binding(request.Vni, request.Mac);
            if (await source.GetAsync<Binding>(key, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                var other = existing.Value;
                if (IsSameAttachment(other, request, name, state))
                {
                    // This very attach, retried after it was applied (its answer was lost): done.
                    return (new StoreTransaction().IfUnchanged(existing), other);
                }
                Refuse(NvaError.AlreadyExists, $"MAC {request.Mac} is already attached in VNI {request.Vni} (as '{other.Name}' at {other.ActiveNve ?? "no NVE"}); detach it first.");
            }
            var txn = new StoreTransaction().IfUnchanged(networkEntry).IfAbsent(key);
            foreach (var ip in request.Ips)
            {
                if (await source.GetAsync<string>(Keys.Ip(request.Vni, ip), cancellationToken).ConfigureAwait(false) is { } owner)
                {
                    Refuse(NvaError.AlreadyExists, $"{ip} is already bound to MAC {owner.Value} in VNI {request.Vni}.");
                }
                txn.IfAbsent(Keys.Ip(request.Vni, ip));
            }
            if (await source.GetAsync<string>(Keys.Name(name), cancellationToken).ConfigureAwait(false) is not null)
            {
                Refuse(NvaError.AlreadyExists, $"A workload named '{name}' already exists; pick another --name.");
            }
            txn.IfAbsent(Keys.Name(name));
            var now = Now;
            var binding = new Binding(request.Vni, request.Mac, request.Ips.ToList(), name, request.Sticky,
                [new Placement(request.Nve, state, now)],
                Sequence: state == PlacementState.Activated ? 1 : 0, MoveTrigger.Api, now, [], Duplicate: false, FrozenUntil: null, MigrationId: null);
            PutBinding(txn, binding);
            foreach (var ip in request.Ips)
            {
                txn.Put(Keys.Ip(request.Vni, ip), RecordJson.Encode(request.Mac.ToString()));
            }
            txn.Put(Keys.Name(name), RecordJson.Encode($"{request.Vni}/{request.Mac}"));
            return (txn, binding);
        }, cancellationToken);
    }

    /// <summary>Removes a binding, its address and name indexes, its redirects, and ends its open migration.</summary>
    public Task DetachAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        TransactAsync<bool>($"detach {mac} in VNI {vni}", async (source, retried) =>
        {
            if (retried && await source.GetAsync<Binding>(Keys.Binding(vni, mac), cancellationToken).ConfigureAwait(false) is null)
            {
                return (new StoreTransaction(), true); // a retried commit that had been applied
            }
            var entry = await RequireBindingAsync(source, vni, mac, cancellationToken).ConfigureAwait(false);
            var txn = new StoreTransaction().IfUnchanged(entry);
            await RemoveBindingOpsAsync(source, txn, entry.Value, cancellationToken).ConfigureAwait(false);
            return (txn, true);
        }, cancellationToken);

    /// <summary>Finds a binding by its workload name.</summary>
    public async Task<Binding?> FindByNameAsync(string name, CancellationToken cancellationToken = default) =>
        (await FindByNameAsync(await FreshSourceAsync(cancellationToken).ConfigureAwait(false), name, cancellationToken).ConfigureAwait(false))?.Value;

    private static async Task<Stored<Binding>?> FindByNameAsync(IRecordSource source, string name, CancellationToken cancellationToken)
    {
        if (await source.GetAsync<string>(Keys.Name(name), cancellationToken).ConfigureAwait(false) is not { } index)
        {
            return null;
        }
        string[] parts = index.Value.Split('/');
        return await source.GetAsync<Binding>(Keys.Binding(uint.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), MacAddress.Parse(parts[1])), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one binding, or null.</summary>
    public async Task<Binding?> GetBindingAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        (await (await FreshSourceAsync(cancellationToken).ConfigureAwait(false)).GetAsync<Binding>(Keys.Binding(vni, mac), cancellationToken).ConfigureAwait(false))?.Value;

    /// <summary>Lists bindings, optionally of one network and/or placed at one NVE, with the read revision.</summary>
    public async Task<(IReadOnlyList<Binding> Bindings, long Revision)> ListBindingsAsync(uint? vni = null, string? nve = null, CancellationToken cancellationToken = default)
    {
        var source = await FreshSourceAsync(cancellationToken).ConfigureAwait(false);
        var (entries, revision) = await source.ListAsync<Binding>(vni is { } v ? Keys.BindingsOf(v) : Keys.Bindings, cancellationToken).ConfigureAwait(false);
        return (entries.Select(e => e.Value).Where(b => nve is null || b.At(nve) is not null).ToList(), revision);
    }

    /// <summary>Takes a binding out of forwarding at an NVE (Activated → Associated), as when its workload stops there.</summary>
    public Task<Binding> DeactivateAsync(uint vni, MacAddress mac, string nve, CancellationToken cancellationToken = default) =>
        TransactAsync($"deactivate {mac} at {nve}", async source =>
        {
            var entry = await RequireBindingAsync(source, vni, mac, cancellationToken).ConfigureAwait(false);
            var binding = entry.Value;
            var placement = binding.At(nve);
            if (placement is null)
            {
                Refuse(NvaError.FailedPrecondition, $"MAC {mac} is not placed at NVE '{nve}' (it is at {Describe(binding)}).");
            }
            var txn = new StoreTransaction().IfUnchanged(entry);
            if (placement.State != PlacementState.Activated)
            {
                return (txn, binding);
            }
            var updated = binding with { Placements = Replace(binding.Placements, nve, placement with { State = PlacementState.Associated, Since = Now }), Updated = Now };
            return (PutBinding(txn, updated), updated);
        }, cancellationToken);

    /// <summary>Removes a binding's placement at an NVE (back to Init there); its identity and addresses stay in the directory.</summary>
    public Task<Binding> DisassociateAsync(uint vni, MacAddress mac, string nve, CancellationToken cancellationToken = default) =>
        TransactAsync($"disassociate {mac} at {nve}", async source =>
        {
            var entry = await RequireBindingAsync(source, vni, mac, cancellationToken).ConfigureAwait(false);
            var binding = entry.Value;
            var txn = new StoreTransaction().IfUnchanged(entry);
            if (binding.At(nve) is null)
            {
                return (txn, binding);
            }
            var updated = binding with { Placements = binding.Placements.Where(p => p.Nve != nve).ToList(), Updated = Now };
            return (PutBinding(txn, updated), updated);
        }, cancellationToken);

    /// <summary>Clears a binding's duplicate flag and freeze (FRR's <c>clear evpn dup-addr</c>).</summary>
    public Task<Binding> ClearDuplicateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        TransactAsync($"clear duplicate {mac}", async source =>
        {
            var entry = await RequireBindingAsync(source, vni, mac, cancellationToken).ConfigureAwait(false);
            var updated = entry.Value with { Duplicate = false, FrozenUntil = null, UnplannedMoves = [], Updated = Now };
            return (PutBinding(new StoreTransaction().IfUnchanged(entry), updated), updated);
        }, cancellationToken);

    private static StoreTransaction PutBinding(StoreTransaction txn, Binding binding) =>
        txn.Put(Keys.Binding(binding.Vni, binding.Mac), RecordJson.Encode(binding));

    private async Task RemoveBindingOpsAsync(IRecordSource source, StoreTransaction txn, Binding binding, CancellationToken cancellationToken)
    {
        txn.Delete(Keys.Binding(binding.Vni, binding.Mac));
        foreach (var ip in binding.Ips)
        {
            txn.Delete(Keys.Ip(binding.Vni, ip));
        }
        txn.Delete(Keys.Name(binding.Name));
        var (redirects, _) = await source.ListAsync<Redirect>(Keys.RedirectsOf(binding.Vni, binding.Mac), cancellationToken).ConfigureAwait(false);
        foreach (var r in redirects)
        {
            txn.Delete(r.Key);
        }
        if (binding.MigrationId is { } id && await source.GetAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false) is { Value.IsOpen: true } migration)
        {
            txn.IfUnchanged(migration)
               .Put(migration.Key, RecordJson.Encode(migration.Value with { Phase = MigrationPhase.Aborted, Ended = Now, Result = "the binding was detached" }));
        }
    }

    // A retried attach finds the binding it made: the same addresses and name, placed only at the
    // same NVE in the state the attach gives, and never moved since (sequence as created).
    private static bool IsSameAttachment(Binding existing, AttachRequest request, string name, PlacementState state) =>
        existing.Name == name && existing.Sticky == request.Sticky && existing.Ips.SequenceEqual(request.Ips)
        && existing.Placements.Count == 1 && existing.Placements[0].Nve == request.Nve && existing.Placements[0].State == state
        && existing.Sequence == (state == PlacementState.Activated ? 1 : 0);

    private static List<Placement> Replace(IReadOnlyList<Placement> placements, string nve, Placement replacement) =>
        placements.Select(p => p.Nve == nve ? replacement : p).ToList();

    private static string Describe(Binding binding) => binding.Placements.Count == 0 ? "no NVE"
        : string.Join(", ", binding.Placements.Select(p => $"{p.Nve} ({p.State})"));
}
