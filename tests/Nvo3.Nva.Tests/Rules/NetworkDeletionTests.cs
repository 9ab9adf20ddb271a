using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>Deleting a virtual network: refused while it has bindings, unless forced; never leaves a record of it behind.</summary>
public sealed class NetworkDeletionTests
{
    private const uint Vni = DirectoryFixture.Vni;

    [Fact]
    public async Task DeleteVirtualNetwork_WithBindingsUnforced_IsRefusedAndTheNetworkStaysUsable()
    {
        var f = await DirectoryFixture.CreateAsync();

        var ex = await Assert.ThrowsAsync<NvaException>(() => f.Authority.DeleteVirtualNetworkAsync(Vni, force: false));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("still has 1 binding(s)", ex.Message, StringComparison.Ordinal);
        Assert.False((await f.Authority.GetVirtualNetworkAsync(Vni))!.Deleting);
        await f.Authority.AttachAsync(new AttachRequest(Vni, MacAddress.Parse("02:00:00:00:00:02"), [IpAddr.Parse("10.0.0.6")], "b"));
    }

    [Fact]
    public async Task DeleteVirtualNetwork_Forced_RemovesBindingsIndexesRedirectsAndTheNetwork()
    {
        var f = await DirectoryFixture.CreateAsync();
        await f.ClaimAsync("b", 2); // leaves a redirect at a
        Assert.NotEmpty(await f.Authority.ListRedirectsAsync());

        await f.Authority.DeleteVirtualNetworkAsync(Vni, force: true);

        Assert.Null(await f.Authority.GetVirtualNetworkAsync(Vni));
        Assert.Equal(["lease/a", "lease/b", "lease/c", "nve/a", "nve/b", "nve/c", "underlay/192.0.2.1", "underlay/192.0.2.2", "underlay/192.0.2.3"], (await f.Store.ListAsync("")).Entries.Select(e => e.Key));
    }

    [Fact]
    public async Task DeleteVirtualNetwork_StoppedHalfWay_RefusesNewBindingsUntilRunAgain()
    {
        var f = await DirectoryFixture.CreateAsync();
        // What a delete that died after its first step leaves: the network marked, its bindings still there.
        var entry = (await f.Store.GetAsync(Keys.Network(Vni)))!;
        var network = RecordJson.Decode<VirtualNetwork>(entry.Value);
        Assert.True((await f.Store.CommitAsync(new StoreTransaction().IfUnchanged(entry.Key, entry).Put(entry.Key, RecordJson.Encode(network with { Deleting = true })))).Succeeded);

        var refused = await Assert.ThrowsAsync<NvaException>(() =>
            f.Authority.AttachAsync(new AttachRequest(Vni, MacAddress.Parse("02:00:00:00:00:02"), [IpAddr.Parse("10.0.0.6")], "b")));
        Assert.Equal(NvaError.FailedPrecondition, refused.Error);
        Assert.Contains("is being deleted", refused.Message, StringComparison.Ordinal);
        // Unforced, it is refused for the bindings, and the mark it did not set stays.
        await Assert.ThrowsAsync<NvaException>(() => f.Authority.DeleteVirtualNetworkAsync(Vni, force: false));
        Assert.True((await f.Authority.GetVirtualNetworkAsync(Vni))!.Deleting);

        await f.Authority.DeleteVirtualNetworkAsync(Vni, force: true);

        Assert.Null(await f.Authority.GetVirtualNetworkAsync(Vni));
        Assert.Empty((await f.Authority.ListBindingsAsync()).Bindings);
    }

    [Fact]
    public async Task DeleteVirtualNetwork_WhileClientsAttach_LeavesNoRecordOfTheNetwork()
    {
        var f = await DirectoryFixture.CreateAsync(attach: false);
        await f.Authority.DeleteVirtualNetworkAsync(Vni, force: false);
        for (int round = 0; round < 20; round++)
        {
            await f.Authority.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/16")], [], TimeSpan.Zero));
            using var stop = new CancellationTokenSource();
            int attached = 0;
            var attachers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                // The memory store answers synchronously: yield, or four attachers hold both cores.
                for (int i = w; !stop.IsCancellationRequested && i < 4000; i += 4)
                {
                    await Task.Yield();
                    try
                    {
                        await f.Authority.AttachAsync(new AttachRequest(Vni, new MacAddress(0x02_00_00_01_00_00UL + (ulong)(round * 4096 + i)),
                            [IpAddr.FromV4(0x0A00_0001u + (uint)i)], "a", $"r{round}-{i}"));
                        Interlocked.Increment(ref attached);
                    }
                    catch (NvaException ex) when (ex.Error is NvaError.NotFound or NvaError.FailedPrecondition)
                    {
                        // The network is being deleted, or gone.
                    }
                }
            })).ToArray();
            while (Volatile.Read(ref attached) < 10)
            {
                await Task.Yield();
            }

            await f.Authority.DeleteVirtualNetworkAsync(Vni, force: true);
            await stop.CancelAsync();
            await Task.WhenAll(attachers);

            var left = (await f.Store.ListAsync("")).Entries.Select(e => e.Key).Where(k => !k.StartsWith(Keys.Nves, StringComparison.Ordinal) && !k.StartsWith(Keys.Leases, StringComparison.Ordinal) && !k.StartsWith(Keys.UnderlayIndex, StringComparison.Ordinal)).ToList();
            Assert.True(left.Count == 0, $"round {round}: left behind {string.Join(", ", left.Take(5))} ({left.Count})");
        }
    }
}
