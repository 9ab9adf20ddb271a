using Nvo3.Nva.Records;
using Nvo3.Nva.View;
using Nvo3.Packets;

namespace Nvo3.Nva;

public sealed partial class Authority
{
    // A binding that is Activated nowhere (mid-switchover, or stopped) is answered with a short
    // lifetime, so the asker comes back soon rather than caching an absence.
    private static readonly TimeSpan s_notActiveLifetime = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Who has <paramref name="ip"/> in <paramref name="vni"/> (the ARP/ND question, pull mode).
    /// Answered from the NVA's watched copy once it holds every write this NVA made.
    /// </summary>
    public Task<LookupResult> LookupByIpAsync(uint vni, IpAddr ip, CancellationToken cancellationToken = default) =>
        LookupByIpAsync(vni, ip, 0, cancellationToken);

    /// <summary>
    /// Who has <paramref name="ip"/> in <paramref name="vni"/>, answered once the watched copy holds
    /// <paramref name="minRevision"/> as well (a revision the asker saw from another NVA replica).
    /// </summary>
    public async Task<LookupResult> LookupByIpAsync(uint vni, IpAddr ip, long minRevision, CancellationToken cancellationToken = default)
    {
        long started = _time.GetTimestamp();
        string outcome = "failed";
        try
        {
            var result = await FindByIpAsync(vni, ip, minRevision, cancellationToken).ConfigureAwait(false);
            outcome = result.Binding is null ? "not_found" : "found";
            return result;
        }
        finally
        {
            LookupObserved?.Invoke(_time.GetElapsedTime(started), "ip", outcome);
        }
    }

    private async Task<LookupResult> FindByIpAsync(uint vni, IpAddr ip, long minRevision, CancellationToken cancellationToken)
    {
        var source = await FreshSourceAsync(minRevision, cancellationToken).ConfigureAwait(false);
        if (await source.GetAsync<string>(Keys.Ip(vni, ip), cancellationToken).ConfigureAwait(false) is not { } index)
        {
            await RequireNetworkAsync(source, vni, cancellationToken).ConfigureAwait(false);
            return new LookupResult(null, null, TimeSpan.Zero);
        }
        return await LookupByMacAsync(source, vni, MacAddress.Parse(index.Value), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where <paramref name="mac"/> is in <paramref name="vni"/>, and its addresses (the RARP question, and L2 forwarding).</summary>
    public Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, CancellationToken cancellationToken = default) =>
        LookupByMacAsync(vni, mac, 0, cancellationToken);

    /// <summary>Where <paramref name="mac"/> is in <paramref name="vni"/>, once the watched copy holds <paramref name="minRevision"/> as well.</summary>
    public async Task<LookupResult> LookupByMacAsync(uint vni, MacAddress mac, long minRevision, CancellationToken cancellationToken = default)
    {
        long started = _time.GetTimestamp();
        string outcome = "failed";
        try
        {
            var result = await LookupByMacAsync(await FreshSourceAsync(minRevision, cancellationToken).ConfigureAwait(false), vni, mac, cancellationToken).ConfigureAwait(false);
            outcome = result.Binding is null ? "not_found" : "found";
            return result;
        }
        finally
        {
            LookupObserved?.Invoke(_time.GetElapsedTime(started), "mac", outcome);
        }
    }

    /// <summary>Told each look-up's time, key (mac, ip) and outcome (found, not_found, failed): the NVA's metrics.</summary>
    internal Action<TimeSpan, string, string>? LookupObserved { get; set; }

    private static async Task<LookupResult> LookupByMacAsync(IRecordSource source, uint vni, MacAddress mac, CancellationToken cancellationToken)
    {
        var network = (await RequireNetworkAsync(source, vni, cancellationToken).ConfigureAwait(false)).Value;
        if (await source.GetAsync<Binding>(Keys.Binding(vni, mac), cancellationToken).ConfigureAwait(false) is not { } entry)
        {
            return new LookupResult(null, null, TimeSpan.Zero);
        }
        var binding = entry.Value;
        if (binding.ActiveNve is not { } active)
        {
            return new LookupResult(binding, null, s_notActiveLifetime);
        }
        var host = await CurrentNveAsync(source, active, cancellationToken).ConfigureAwait(false);
        return new LookupResult(binding, host, host is null ? s_notActiveLifetime : network.CacheLifetime);
    }
}
