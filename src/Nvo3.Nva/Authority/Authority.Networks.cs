using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Nva.View;
using Nvo3.Packets;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>
    /// Creates a virtual network. A cache lifetime of zero takes the NVA's default; a Layer-3
    /// network without gateways gets one per subnet (the subnet's first address, MAC
    /// <see cref="VirtualNetwork.AnycastGatewayMac"/>).
    /// </summary>
    public async Task<VirtualNetwork> CreateVirtualNetworkAsync(VirtualNetwork requested, CancellationToken cancellationToken = default)
    {
        RequireVni(requested.Vni);
        string name = string.IsNullOrWhiteSpace(requested.Name) ? $"vn{requested.Vni}" : requested.Name;
        RequireName(name, "network name");
        RequireListLength(requested.Subnets, "subnets");
        RequireListLength(requested.Gateways, "gateways");
        if (requested.Subnets.Count == 0)
        {
            Refuse(NvaError.InvalidArgument, "A virtual network needs at least one subnet (--subnet 10.0.0.0/24).");
        }
        for (int i = 0; i < requested.Subnets.Count; i++)
        {
            for (int j = i + 1; j < requested.Subnets.Count; j++)
            {
                var (a, b) = (requested.Subnets[i], requested.Subnets[j]);
                if (a.Contains(b.Address) || b.Contains(a.Address))
                {
                    Refuse(NvaError.InvalidArgument, $"Subnets {a} and {b} overlap; give each address range once.");
                }
            }
        }
        if (requested.CacheLifetime < TimeSpan.Zero || requested.CacheLifetime > TimeSpan.FromDays(1))
        {
            Refuse(NvaError.InvalidArgument, "The cache lifetime must be between 0 (the NVA's default) and one day.");
        }
        var gateways = requested.Gateways.ToList();
        foreach (var gateway in gateways)
        {
            if (!requested.Subnets.Any(s => s.Contains(gateway.Ip)))
            {
                Refuse(NvaError.InvalidArgument, $"Gateway {gateway.Ip} lies outside the network's subnets.");
            }
        }
        if (requested.Mode == NetworkMode.L3 && gateways.Count == 0)
        {
            foreach (var subnet in requested.Subnets)
            {
                var first = subnet.Address.IsV6 ? IpAddr.FromV6(subnet.Address.V6Value + 1) : IpAddr.FromV4(subnet.Address.V4Value + 1);
                gateways.Add(new Gateway(first, VirtualNetwork.AnycastGatewayMac(requested.Vni)));
            }
        }
        if (requested.IlaSirPrefix is { } sir)
        {
            if (requested.Mode != NetworkMode.L3)
            {
                Refuse(NvaError.InvalidArgument, "ILA applies to Layer-3 networks only (--mode l3).");
            }
            if (!requested.Subnets.Any(s => s.Address.IsV6 && s.Length == 64 && (ulong)(s.Address.V6Value >> 64) == sir))
            {
                Refuse(NvaError.InvalidArgument, "The ILA SIR prefix must be one of the network's IPv6 /64 subnets.");
            }
        }
        var network = requested with
        {
            Deleting = false,
            Name = name,
            Gateways = gateways,
            CacheLifetime = requested.CacheLifetime == TimeSpan.Zero ? Settings.DefaultCacheLifetime : requested.CacheLifetime,
        };
        string key = Keys.Network(network.Vni);
        return await TransactAsync($"create VNI {network.Vni}", async source =>
        {
            if (await source.GetAsync<VirtualNetwork>(key, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                if (IsSameNetwork(existing.Value, network))
                {
                    // This very create, retried after it was applied (its answer was lost).
                    return (new StoreTransaction().IfUnchanged(existing), existing.Value);
                }
                Refuse(NvaError.AlreadyExists, $"VNI {network.Vni} already exists; pick another or delete it first.");
            }
            return (new StoreTransaction().IfAbsent(key).Put(key, RecordJson.Encode(network)), network);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsSameNetwork(VirtualNetwork a, VirtualNetwork b) =>
        a.Vni == b.Vni && a.Name == b.Name && a.Mode == b.Mode && a.Subnets.SequenceEqual(b.Subnets) && a.Gateways.SequenceEqual(b.Gateways)
        && a.CacheLifetime == b.CacheLifetime && a.IlaSirPrefix == b.IlaSirPrefix && !a.Deleting;

    /// <summary>Lists the virtual networks in VNI order.</summary>
    public async Task<IReadOnlyList<VirtualNetwork>> ListVirtualNetworksAsync(CancellationToken cancellationToken = default)
    {
        var (entries, _) = await (await FreshSourceAsync(cancellationToken).ConfigureAwait(false)).ListAsync<VirtualNetwork>(Keys.Networks, cancellationToken).ConfigureAwait(false);
        return entries.Select(e => e.Value).ToList();
    }

    /// <summary>Reads one virtual network, or null.</summary>
    public async Task<VirtualNetwork?> GetVirtualNetworkAsync(uint vni, CancellationToken cancellationToken = default) =>
        (await (await FreshSourceAsync(cancellationToken).ConfigureAwait(false)).GetAsync<VirtualNetwork>(Keys.Network(vni), cancellationToken).ConfigureAwait(false))?.Value;

    /// <summary>
    /// Deletes a virtual network. Refuses while it has bindings unless <paramref name="force"/>,
    /// which removes them first, with their indexes and redirects.
    /// </summary>
    /// <remarks>
    /// Three steps, so that no request can slip a binding in and so that no transaction outgrows
    /// what a store takes (etcd: 128 operations): mark the network <see cref="VirtualNetwork.Deleting"/>
    /// (every attach compares the network's record, so one that read it before the mark fails its
    /// compare-and-swap, re-reads and is refused); remove the bindings, a batch per transaction;
    /// delete the network. If the NVA stops half-way the mark stays, and running the delete again
    /// finishes it.
    /// </remarks>
    public async Task DeleteVirtualNetworkAsync(uint vni, bool force, CancellationToken cancellationToken = default)
    {
        bool marked = await TransactAsync($"mark VNI {vni} for deletion", async source =>
        {
            var entry = await RequireNetworkAsync(source, vni, cancellationToken).ConfigureAwait(false);
            return entry.Value.Deleting
                ? (new StoreTransaction().IfUnchanged(entry), false)
                : (new StoreTransaction().IfUnchanged(entry).Put(entry.Key, RecordJson.Encode(entry.Value with { Deleting = true })), true);
        }, cancellationToken).ConfigureAwait(false);

        for (int failed = 0; ;)
        {
            var (bindings, _) = await _storeSource.ListAsync<Binding>(Keys.BindingsOf(vni), cancellationToken).ConfigureAwait(false);
            if (bindings.Count == 0)
            {
                break;
            }
            if (!force)
            {
                if (marked)
                {
                    await UnmarkAsync(vni, cancellationToken).ConfigureAwait(false);
                }
                Refuse(NvaError.FailedPrecondition, $"VNI {vni} still has {bindings.Count} binding(s); detach them or delete with --force.");
            }
            var txn = new StoreTransaction();
            foreach (var e in bindings)
            {
                var removal = new StoreTransaction().IfUnchanged(e);
                await RemoveBindingOpsAsync(_storeSource, removal, e.Value, cancellationToken).ConfigureAwait(false);
                if (txn.Operations.Count > 0 && Math.Max(txn.Compares.Count + removal.Compares.Count, txn.Operations.Count + removal.Operations.Count) > MaxBatchOperations)
                {
                    break;
                }
                Append(txn, removal);
            }
            var commit = await CommitAsync(txn, cancellationToken).ConfigureAwait(false);
            if (!commit.Succeeded)
            {
                // A binding of the batch moved meanwhile: list again.
                Log.Conflict(_logger, $"delete VNI {vni}", ++failed);
                if (failed >= Settings.MaxAttempts)
                {
                    throw new NvaException(NvaError.Aborted, $"delete VNI {vni}: its bindings kept changing; retry (it stays marked for deletion and takes no new binding).");
                }
            }
        }

        await TransactAsync<bool>($"delete VNI {vni}", async (source, retried) =>
        {
            if (retried && await source.GetAsync<VirtualNetwork>(Keys.Network(vni), cancellationToken).ConfigureAwait(false) is null)
            {
                return (new StoreTransaction(), true); // a retried commit that had been applied
            }
            var entry = await RequireNetworkAsync(source, vni, cancellationToken).ConfigureAwait(false);
            return (new StoreTransaction().IfUnchanged(entry).Delete(entry.Key), true);
        }, cancellationToken).ConfigureAwait(false);
    }

    // What one batch of a network's deletion holds at most: under etcd's default --max-txn-ops (128).
    private const int MaxBatchOperations = 100;

    private Task UnmarkAsync(uint vni, CancellationToken cancellationToken) =>
        TransactAsync<bool>($"unmark VNI {vni}", async source =>
        {
            var entry = await source.GetAsync<VirtualNetwork>(Keys.Network(vni), cancellationToken).ConfigureAwait(false);
            return entry is not { Value.Deleting: true }
                ? (new StoreTransaction(), false)
                : (new StoreTransaction().IfUnchanged(entry).Put(entry.Key, RecordJson.Encode(entry.Value with { Deleting = false })), true);
        }, cancellationToken);

    private static void Append(StoreTransaction target, StoreTransaction source)
    {
        foreach (var c in source.Compares)
        {
            target.IfModRevision(c.Key, c.ModRevision);
        }
        foreach (var o in source.Operations)
        {
            _ = o.Value is { } value ? target.Put(o.Key, value) : target.Delete(o.Key);
        }
    }
}
