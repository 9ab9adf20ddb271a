using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
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
        return await TransactAsync($"associate {request.Mac} at {request.Nve}", async () =>
        {
            var (binding, entry) = await RequireBindingAsync(request.Vni, request.Mac, cancellationToken).ConfigureAwait(false);
            await RequireNveAsync(request.Nve, cancellationToken).ConfigureAwait(false);
            if (request.Ips.Count > 0 && !request.Ips.ToHashSet().SetEquals(binding.Ips))
            {
                Refuse(NvaError.FailedPrecondition, $"MAC {request.Mac} is bound to {string.Join(", ", binding.Ips)}; the directory is the authority for its addresses.");
            }
            if (binding.At(request.Nve) is not null)
            {
                return (new StoreTransaction(), binding);
            }
            var updated = binding with
            {
                Placements = [.. binding.Placements, new Placement(request.Nve, PlacementState.Associated, Now)],
                Updated = Now,
            };
            return (PutBinding(new StoreTransaction().IfUnchanged(entry.Key, entry), updated), updated);
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
        return TransactAsync($"attach {request.Mac} in VNI {request.Vni}", async () =>
        {
            var (network, networkEntry) = await RequireNetworkAsync(request.Vni, cancellationToken).ConfigureAwait(false);
            if (network.Deleting)
            {
                Refuse(NvaError.FailedPrecondition, $"VNI {request.Vni} is being deleted and takes no new binding (nvo3 vn delete --vni {request.Vni} --force finishes a delete that stopped).");
            }
            await RequireNveAsync(request.Nve, cancellationToken).ConfigureAwait(false);
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
            var existing = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                var other = RecordJson.Decode<Binding>(existing.Value);
                Refuse(NvaError.AlreadyExists, $"MAC {request.Mac} is already attached in VNI {request.Vni} (as '{other.Name}' at {other.ActiveNve ?? "no NVE"}); detach it first.");
            }
            var txn = new StoreTransaction().IfUnchanged(networkEntry.Key, networkEntry).IfAbsent(key);
            foreach (var ip in request.Ips)
            {
                var owner = await _store.GetAsync(Keys.Ip(request.Vni, ip), cancellationToken).ConfigureAwait(false);
                if (owner is not null)
                {
                    Refuse(NvaError.AlreadyExists, $"{ip} is already bound to MAC {RecordJson.Decode<string>(owner.Value)} in VNI {request.Vni}.");
                }
                txn.IfAbsent(Keys.Ip(request.Vni, ip));
            }
            var nameOwner = await _store.GetAsync(Keys.Name(name), cancellationToken).ConfigureAwait(false);
            if (nameOwner is not null)
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
        TransactAsync<bool>($"detach {mac} in VNI {vni}", async () =>
        {
            var (binding, entry) = await RequireBindingAsync(vni, mac, cancellationToken).ConfigureAwait(false);
            var txn = new StoreTransaction().IfUnchanged(entry.Key, entry);
            await RemoveBindingOpsAsync(txn, binding, cancellationToken).ConfigureAwait(false);
            return (txn, true);
        }, cancellationToken);

    /// <summary>Finds a binding by its workload name.</summary>
    public async Task<Binding?> FindByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        var index = await _store.GetAsync(Keys.Name(name), cancellationToken).ConfigureAwait(false);
        if (index is null)
        {
            return null;
        }
        string[] parts = RecordJson.Decode<string>(index.Value).Split('/');
        return (await ReadAsync<Binding>(Keys.Binding(uint.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), MacAddress.Parse(parts[1])), cancellationToken).ConfigureAwait(false)).Record;
    }

    /// <summary>Reads one binding, or null.</summary>
    public async Task<Binding?> GetBindingAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        (await ReadAsync<Binding>(Keys.Binding(vni, mac), cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>Lists bindings, optionally of one network and/or placed at one NVE, with the read revision.</summary>
    public async Task<(IReadOnlyList<Binding> Bindings, long Revision)> ListBindingsAsync(uint? vni = null, string? nve = null, CancellationToken cancellationToken = default)
    {
        var range = await _store.ListAsync(vni is { } v ? Keys.BindingsOf(v) : Keys.Bindings, cancellationToken).ConfigureAwait(false);
        var list = range.Entries.Select(e => RecordJson.Decode<Binding>(e.Value)).Where(b => nve is null || b.At(nve) is not null).ToList();
        return (list, range.Revision);
    }

    /// <summary>Takes a binding out of forwarding at an NVE (Activated → Associated), as when its workload stops there.</summary>
    public Task<Binding> DeactivateAsync(uint vni, MacAddress mac, string nve, CancellationToken cancellationToken = default) =>
        TransactAsync($"deactivate {mac} at {nve}", async () =>
        {
            var (binding, entry) = await RequireBindingAsync(vni, mac, cancellationToken).ConfigureAwait(false);
            var placement = binding.At(nve);
            if (placement is null)
            {
                Refuse(NvaError.FailedPrecondition, $"MAC {mac} is not placed at NVE '{nve}' (it is at {Describe(binding)}).");
            }
            if (placement.State != PlacementState.Activated)
            {
                return (new StoreTransaction(), binding);
            }
            var updated = binding with { Placements = Replace(binding.Placements, nve, placement with { State = PlacementState.Associated, Since = Now }), Updated = Now };
            return (PutBinding(new StoreTransaction().IfUnchanged(entry.Key, entry), updated), updated);
        }, cancellationToken);

    /// <summary>Removes a binding's placement at an NVE (back to Init there); its identity and addresses stay in the directory.</summary>
    public Task<Binding> DisassociateAsync(uint vni, MacAddress mac, string nve, CancellationToken cancellationToken = default) =>
        TransactAsync($"disassociate {mac} at {nve}", async () =>
        {
            var (binding, entry) = await RequireBindingAsync(vni, mac, cancellationToken).ConfigureAwait(false);
            if (binding.At(nve) is null)
            {
                return (new StoreTransaction(), binding);
            }
            var updated = binding with { Placements = binding.Placements.Where(p => p.Nve != nve).ToList(), Updated = Now };
            return (PutBinding(new StoreTransaction().IfUnchanged(entry.Key, entry), updated), updated);
        }, cancellationToken);

    /// <summary>Clears a binding's duplicate flag and freeze (FRR's <c>clear evpn dup-addr</c>).</summary>
    public Task<Binding> ClearDuplicateAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        TransactAsync($"clear duplicate {mac}", async () =>
        {
            var (binding, entry) = await RequireBindingAsync(vni, mac, cancellationToken).ConfigureAwait(false);
            var updated = binding with { Duplicate = false, FrozenUntil = null, UnplannedMoves = [], Updated = Now };
            return (PutBinding(new StoreTransaction().IfUnchanged(entry.Key, entry), updated), updated);
        }, cancellationToken);

    private static StoreTransaction PutBinding(StoreTransaction txn, Binding binding) =>
        txn.Put(Keys.Binding(binding.Vni, binding.Mac), RecordJson.Encode(binding));

    private async Task RemoveBindingOpsAsync(StoreTransaction txn, Binding binding, CancellationToken cancellationToken)
    {
        txn.Delete(Keys.Binding(binding.Vni, binding.Mac));
        foreach (var ip in binding.Ips)
        {
            txn.Delete(Keys.Ip(binding.Vni, ip));
        }
        txn.Delete(Keys.Name(binding.Name));
        var redirects = await _store.ListAsync(Keys.RedirectsOf(binding.Vni, binding.Mac), cancellationToken).ConfigureAwait(false);
        foreach (var r in redirects.Entries)
        {
            txn.Delete(r.Key);
        }
        if (binding.MigrationId is { } id)
        {
            var (migration, migrationEntry) = await ReadAsync<Migration>(Keys.Migration(id), cancellationToken).ConfigureAwait(false);
            if (migration is { IsOpen: true })
            {
                txn.IfUnchanged(migrationEntry!.Key, migrationEntry)
                   .Put(migrationEntry.Key, RecordJson.Encode(migration with { Phase = MigrationPhase.Aborted, Ended = Now, Result = "the binding was detached" }));
            }
        }
    }

    private static List<Placement> Replace(IReadOnlyList<Placement> placements, string nve, Placement replacement) =>
        placements.Select(p => p.Nve == nve ? replacement : p).ToList();

    private static string Describe(Binding binding) => binding.Placements.Count == 0 ? "no NVE"
        : string.Join(", ", binding.Placements.Select(p => $"{p.Nve} ({p.State})"));
}
