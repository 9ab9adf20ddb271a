using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Etcd;
using Nvo3.Packets;
using Nvo3.Testing;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// Requests that touch many records, on etcd, whose transactions hold at most 128 operations
/// (--max-txn-ops): the authority splits them instead of failing.
/// </summary>
public sealed class LargeTransactionTests(EtcdProcess etcd) : IClassFixture<EtcdProcess>
{
    private const uint Vni = 100;

    private async Task<Authority> AuthorityOnEtcdAsync()
    {
        etcd.SkipIfMissing();
        var store = await EtcdStore.ConnectAsync([new Uri(etcd.ClientUrl)], new EtcdStoreOptions { Prefix = $"/nvo3-test/{Guid.NewGuid():N}/" });
        var authority = new Authority(store);
        await authority.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/16")], [], TimeSpan.Zero));
        await authority.AddNveAsync("a", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.1"))], null);
        return authority;
    }

    [Fact]
    public async Task DeleteVirtualNetwork_ForceWithManyBindingsOnEtcd_RemovesTheNetworkAndEveryRecord()
    {
        var authority = await AuthorityOnEtcdAsync();
        await using var store = authority.Store;
        for (int i = 0; i < 100; i++)
        {
            await authority.AttachAsync(new AttachRequest(Vni, new MacAddress(0x02_00_00_00_10_00UL + (ulong)i), [IpAddr.FromV4(0x0A00_0101u + (uint)i)], "a"));
        }

        await authority.DeleteVirtualNetworkAsync(Vni, force: true);

        Assert.Null(await authority.GetVirtualNetworkAsync(Vni));
        var left = await store.ListAsync("");
        Assert.Equal(["nve/a", "underlay/192.0.2.1"], left.Entries.Select(e => e.Key));
    }

    [Fact]
    public async Task RegisterNve_WithMoreNvesThanAnEtcdTransactionHolds_StillRegistersAndRenews()
    {
        var authority = await AuthorityOnEtcdAsync();
        await using var store = authority.Store;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = w; i < 200; i += 4)
            {
                await authority.RegisterNveAsync($"nve{i}", [new UnderlayEndpoint(IpAddr.FromV4(0xC633_6400u + (uint)i))], null, TimeSpan.FromMinutes(1)); // 198.51.100.0 on
            }
        })));

        var again = await authority.RegisterNveAsync("nve7", [new UnderlayEndpoint(IpAddr.FromV4(0xC633_6400u + 7))], null, TimeSpan.FromMinutes(1));

        Assert.Equal(201, (await authority.ListNvesAsync()).Count); // with "a"
        Assert.Equal("nve7", again.Name);
        var clash = await Assert.ThrowsAsync<NvaException>(() =>
            authority.RegisterNveAsync("late", [new UnderlayEndpoint(IpAddr.FromV4(0xC633_6400u + 150))], null, TimeSpan.FromMinutes(1)));
        Assert.Equal(NvaError.AlreadyExists, clash.Error);
        Assert.Contains("198.51.100.150 is already NVE 'nve150''s", clash.Message, StringComparison.Ordinal);
    }
}
