using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva.Leadership;
using Nvo3.Nva.Storage.Etcd;
using Nvo3.Testing;

namespace Nvo3.Nva.Tests.Storage;

/// <summary>The election of NVA replicas on etcd: one leads; when it stops or dies, another leads within the lease.</summary>
public sealed class EtcdElectionTests(EtcdProcess etcd) : IClassFixture<EtcdProcess>
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private async Task<(EtcdStore Store, ILeaderElection Election)> CandidateAsync(string prefix, string name)
    {
        etcd.SkipIfMissing();
        var store = await EtcdStore.ConnectAsync([new Uri(etcd.ClientUrl)], new EtcdStoreOptions { Prefix = prefix });
        return (store, store.CreateElection(name, Ttl, TimeProvider.System, NullLoggerFactory.Instance));
    }

    // Campaigns in the background; the returned signal is set while it leads.
    private static (Task Running, TaskCompletionSource Leading) Campaign(ILeaderElection election, CancellationToken cancellationToken)
    {
        var leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Task.Run(async () =>
        {
            try
            {
                await election.RunAsync(async ct =>
                {
                    leading.TrySetResult();
                    await Task.Delay(Timeout.Infinite, ct);
                }, cancellationToken);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
            }
        });
        return (running, leading);
    }

    // Polls until that many replicas campaign (each has its key under election/housekeeping/).
    private static async Task WaitForCampaignersAsync(EtcdStore store, int count)
    {
        var stopwatch = Stopwatch.StartNew();
        while ((await store.ListAsync("election/housekeeping/")).Entries.Count < count)
        {
            Assert.True(stopwatch.Elapsed < Patience, $"fewer than {count} replicas campaign");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Election_LeaderStops_TheOtherLeadsAtOnce()
    {
        string prefix = $"/nvo3-test/{Guid.NewGuid():N}/";
        var (storeA, a) = await CandidateAsync(prefix, "a");
        var (storeB, b) = await CandidateAsync(prefix, "b");
        await using var _ = storeA;
        await using var __ = storeB;
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();

        var (runningA, leadingA) = Campaign(a, stopA.Token);
        await leadingA.Task.WaitAsync(Patience);
        var (runningB, leadingB) = Campaign(b, stopB.Token);
        await WaitForCampaignersAsync(storeA, 2);

        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);
        Assert.Equal("a", await b.GetLeaderAsync());

        var stopwatch = Stopwatch.StartNew();
        await stopA.CancelAsync(); // a graceful stop revokes its lease
        await runningA.WaitAsync(Patience);
        await leadingB.Task.WaitAsync(Patience);

        Assert.True(stopwatch.Elapsed < Ttl, $"b led {stopwatch.ElapsedMilliseconds} ms after a stopped");
        Assert.Equal("b", await b.GetLeaderAsync());
        await stopB.CancelAsync();
        await runningB.WaitAsync(Patience);
    }

    [Fact]
    public async Task Election_LeaderLosesEtcd_TheOtherLeadsWithinTheLease()
    {
        string prefix = $"/nvo3-test/{Guid.NewGuid():N}/";
        var (storeA, a) = await CandidateAsync(prefix, "a");
        var (storeB, b) = await CandidateAsync(prefix, "b");
        await using var __ = storeB;
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var (runningA, leadingA) = Campaign(a, stopA.Token);
        await leadingA.Task.WaitAsync(Patience);
        var (runningB, leadingB) = Campaign(b, stopB.Token);

        // As a crash would: a's connection goes, its lease is neither renewed nor revoked.
        var stopwatch = Stopwatch.StartNew();
        await storeA.DisposeAsync();
        await leadingB.Task.WaitAsync(Patience);

        // Real etcd and real time: b may lead only once a's lease is gone, and must not wait much
        // longer (the bound leaves room for a loaded machine).
        Assert.True(stopwatch.Elapsed < Ttl + TimeSpan.FromSeconds(5), $"b led {stopwatch.ElapsedMilliseconds} ms after a vanished (lease {Ttl.TotalSeconds} s)");
        // a, cut off from etcd, gives up leading on its own once its lease cannot be renewed.
        var giveUp = Stopwatch.StartNew();
        while (a.IsLeader && giveUp.Elapsed < Patience)
        {
            await Task.Delay(20);
        }
        Assert.False(a.IsLeader);
        await stopA.CancelAsync();
        await stopB.CancelAsync();
        await runningB.WaitAsync(Patience);
        // a's store is gone: its next campaign fails, as it would in a dead process.
        await Task.WhenAny(runningA, Task.Delay(Patience));
    }
}
