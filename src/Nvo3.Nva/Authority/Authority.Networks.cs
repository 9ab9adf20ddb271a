using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Packets;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    /// <summary>The MAC every NVE answers for a Layer-3 network's anycast gateway: 02:4e:56 and the VNI.</summary>
    public static MacAddress AnycastGatewayMac(uint vni) => new(0x02_4E_56_00_00_00UL | vni);

    /// <summary>
    /// Creates a virtual network. A cache lifetime of zero takes the NVA's default; a Layer-3
    /// network without gateways gets one per subnet (the subnet's first address, MAC
    /// <see cref="AnycastGatewayMac"/>).
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
                gateways.Add(new Gateway(first, AnycastGatewayMac(requested.Vni)));
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
            Name = name,
            Gateways = gateways,
            CacheLifetime = requested.CacheLifetime == TimeSpan.Zero ? Settings.DefaultCacheLifetime : requested.CacheLifetime,
        };
        string key = Keys.Network(network.Vni);
        var commit = await _store.CommitAsync(new StoreTransaction().IfAbsent(key).Put(key, RecordJson.Encode(network)), cancellationToken).ConfigureAwait(false);
        if (!commit.Succeeded)
        {
            Refuse(NvaError.AlreadyExists, $"VNI {network.Vni} already exists; pick another or delete it first.");
        }
        return network;
    }

    /// <summary>Lists the virtual networks in VNI order.</summary>
    public async Task<IReadOnlyList<VirtualNetwork>> ListVirtualNetworksAsync(CancellationToken cancellationToken = default)
    {
        var range = await _store.ListAsync(Keys.Networks, cancellationToken).ConfigureAwait(false);
        return range.Entries.Select(e => RecordJson.Decode<VirtualNetwork>(e.Value)).ToList();
    }

    /// <summary>Reads one virtual network, or null.</summary>
    public async Task<VirtualNetwork?> GetVirtualNetworkAsync(uint vni, CancellationToken cancellationToken = default) =>
        (await ReadAsync<VirtualNetwork>(Keys.Network(vni), cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>
    /// Deletes a virtual network. Refuses while it has bindings unless <paramref name="force"/>,
    /// which removes them, their indexes and redirects in the same transaction.
    /// </summary>
    public Task DeleteVirtualNetworkAsync(uint vni, bool force, CancellationToken cancellationToken = default) =>
        TransactAsync<bool>($"delete VNI {vni}", async () =>
        {
            var (_, entry) = await RequireNetworkAsync(vni, cancellationToken).ConfigureAwait(false);
            var txn = new StoreTransaction().IfUnchanged(Keys.Network(vni), entry).Delete(Keys.Network(vni));
            var bindings = await _store.ListAsync(Keys.BindingsOf(vni), cancellationToken).ConfigureAwait(false);
            if (bindings.Entries.Count > 0 && !force)
            {
                Refuse(NvaError.FailedPrecondition, $"VNI {vni} still has {bindings.Entries.Count} binding(s); detach them or delete with --force.");
            }
            foreach (var e in bindings.Entries)
            {
                var binding = RecordJson.Decode<Binding>(e.Value);
                txn.IfUnchanged(e.Key, e);
                await RemoveBindingOpsAsync(txn, binding, cancellationToken).ConfigureAwait(false);
            }
            return (txn, true);
        }, cancellationToken);
}
