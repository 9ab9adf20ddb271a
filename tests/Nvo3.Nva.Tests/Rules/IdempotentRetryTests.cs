using Nvo3.Nva.Storage;
using Nvo3.Nva.Tests.Support;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// A commit whose answer was lost is retried, and on etcd the retry fails its compares although
/// the first attempt was applied. Every request must then report success (the directory already
/// says what was asked), never "already exists", "already migrating" or "not found".
/// </summary>
public abstract class IdempotentRetryTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly IpAddr Ip = IpAddr.Parse("10.0.0.5");

    protected abstract ValueTask<IDirectoryStore> OpenStoreAsync();

    private async Task<(Authority Authority, StoreWrapper Store)> CreateAsync()
    {
        var store = new StoreWrapper(await OpenStoreAsync());
        var authority = new Authority(store);
        return (authority, store);
    }

    // Applies the next commit that writes something, then answers it as a failed compare.
    private static void LoseNextAnswer(StoreWrapper store)
    {
        int armed = 1;
        store.LoseAnswer = txn => txn.Operations.Count > 0 && Interlocked.Exchange(ref armed, 0) == 1;
    }

    private static async Task<T> RetriedAsync<T>(StoreWrapper store, Func<Task<T>> request)
    {
        LoseNextAnswer(store);
        var result = await request();
        store.LoseAnswer = null;
        return result;
    }

    [Fact]
    public async Task EveryRequest_RetriedAfterItsCommitApplied_ReportsSuccess()
    {
        var (authority, store) = await CreateAsync();
        await using var _ = store.Inner;

        var network = await RetriedAsync(store, () => authority.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(1))));
        await RetriedAsync(store, () => authority.AddNveAsync("a", [UnderlayEndpoint.Parse("192.0.2.1")], null));
        await RetriedAsync(store, () => authority.RegisterNveAsync("b", [UnderlayEndpoint.Parse("192.0.2.2")], null, TimeSpan.FromMinutes(1)));
        var attached = await RetriedAsync(store, () => authority.AttachAsync(new AttachRequest(100, Mac, [Ip], "a", "vm1")));
        var begun = await RetriedAsync(store, () => authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot, "req-1")));
        var paused = await RetriedAsync(store, () => authority.PauseMigrationAsync(begun.Id));
        var activated = await RetriedAsync(store, () => authority.ActivateAsync(new ActivateRequest(100, Mac, "b", MoveTrigger.Garp)));
        var committed = await RetriedAsync(store, () => authority.CommitMigrationAsync(begun.Id));
        var again = await RetriedAsync(store, () => authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "a", MigrationMode.Hot, "req-2")));
        var aborted = await RetriedAsync(store, () => authority.AbortMigrationAsync(again.Id, "changed my mind"));
        await RetriedAsync(store, async () => { await authority.DetachAsync(100, Mac); return true; });
        await RetriedAsync(store, async () => { await authority.RemoveNveAsync("a"); return true; });

        Assert.Equal(100u, network.Vni);
        Assert.Equal("a", attached.ActiveNve);
        Assert.Equal("req-1", begun.RequestId);
        Assert.Equal(MigrationPhase.Paused, paused.Phase);
        Assert.Equal(("b", 2L), (activated.ActiveNve, activated.Sequence));
        Assert.Equal(MigrationPhase.Completed, committed.Phase);
        Assert.Equal(MigrationPhase.Aborted, aborted.Phase);
        Assert.Null(await authority.GetBindingAsync(100, Mac));
        Assert.Equal(["b"], (await authority.ListNvesAsync()).Select(n => n.Name));
        Assert.Equal(2, (await authority.ListMigrationsAsync()).Count); // each begin made one migration, not two
    }

    [Fact]
    public async Task BeginMigration_AnotherRequestWhileOneIsOpen_IsStillRefused()
    {
        var (authority, store) = await CreateAsync();
        await using var _ = store.Inner;
        await authority.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(1)));
        await authority.AddNveAsync("a", [UnderlayEndpoint.Parse("192.0.2.1")], null);
        await authority.AddNveAsync("b", [UnderlayEndpoint.Parse("192.0.2.2")], null);
        await authority.AttachAsync(new AttachRequest(100, Mac, [Ip], "a", "vm1"));
        await authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot, "req-1"));

        var ex = await Assert.ThrowsAsync<NvaException>(() => authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot, "req-2")));

        Assert.Equal(NvaError.FailedPrecondition, ex.Error);
        Assert.Contains("already migrating", ex.Message, StringComparison.Ordinal);
    }
}
