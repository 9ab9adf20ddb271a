using Nvo3.Nva.Records;
using Nvo3.Packets;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    // A binding that is Activated nowhere (mid-switchover, or stopped) is answered with a short
    // lifetime, so the asker comes back soon rather than caching an absence.
    private static readonly TimeSpan s_notActiveLifetime = TimeSpan.FromMilliseconds(50);

    /// <summary>Who has <paramref name="ip"/> in <paramref name="vni"/> (the ARP/ND question, pull mode).</summary>
    public async Task<LookupResult> LookupByIpAsync(uint vni, IpAddr ip, CancellationToken cancellationToken = default)
    {
        var index = await _store.GetAsync(Keys.Ip(vni, ip), cancellationToken).ConfigureAwait(false);
        if (index is null)
        {
            await RequireNetworkAsync(vni, cancellationToken).ConfigureAwait(false);
            return new LookupResult(null, null, TimeSpan.Zero);
        }
        return await LookupByMacAsync(vni, MacAddress.Parse(RecordJson.Decode<string>(index.Value)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where <paramref name="mac"/> is in <paramref name="vni"/>, and its addresses (the RARP question, and L2 forwarding).</summary>
    public async Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default)
    {
        var (network, _) = await RequireNetworkAsync(vni, cancellationToken).ConfigureAwait(false);
        var (binding, _) = await ReadAsync<Binding>(Keys.Binding(vni, mac), cancellationToken).ConfigureAwait(false);
        if (binding is null)
        {
            return new LookupResult(null, null, TimeSpan.Zero);
        }
        if (binding.ActiveNve is not { } active)
        {
            return new LookupResult(binding, null, s_notActiveLifetime);
        }
        var (host, _) = await ReadAsync<NveRecord>(Keys.Nve(active), cancellationToken).ConfigureAwait(false);
        return new LookupResult(binding, host, host is null ? s_notActiveLifetime : network.CacheLifetime);
    }
}
