using System.Diagnostics;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;
using Nvo3.Testing;

namespace Nvo3.IntegrationTests;

/// <summary>
/// Two <c>nvo3 nva serve</c> replicas on one etcd: when the leader is killed with SIGKILL the other
/// takes the housekeeping over, and clients (a writer and a watching view) carry on against the
/// survivor, the view without reloading. How long each took is written to the test output, not
/// bounded: a wall-clock bound fails on a loaded machine (<c>nvo3 bench</c> and the tour measure
/// them). What is asserted on time is a safety bound that load can only help: nothing is marked
/// down, or failed over, before its lease has run out.
/// </summary>
public sealed class NvaReplicaTests(EtcdProcess etcd) : IClassFixture<EtcdProcess>
{
    private const int LeaseSeconds = 2;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private NvaReplicas Replicas() => new("etcd:" + etcd.ClientUrl, 2, "--leader-lease-seconds", $"{LeaseSeconds}", "--lease-seconds", "2");

    private static async Task NetworkAsync(NvaClient client, uint vni)
    {
        await client.CreateVirtualNetworkAsync(new VirtualNetwork(vni, "", NetworkMode.L2, [IpPrefix.Parse("10.1.0.0/16")], [], TimeSpan.Zero));
        await client.AddNveAsync($"x{vni}", [new UnderlayEndpoint(IpAddr.FromV4(0xC000_0200u + vni % 200))]);
    }

    [Fact]
    public async Task LeaderKilled_TheOtherLeadsAndKeepsHouse()
    {
        etcd.SkipIfMissing();
        using var replicas = Replicas();
        await replicas.StartAsync();
        int leader = await replicas.LeaderAsync(Patience);
        using var client = new NvaClient(replicas.Addresses);

        var stopwatch = Stopwatch.StartNew();
        await replicas.KillAsync(leader);
        int next = await replicas.LeaderAsync(Patience);
        var takeover = stopwatch.Elapsed;

        Assert.NotEqual(leader, next);
        Output($"takeover: nva{next} led {takeover.TotalMilliseconds:0} ms after nva{leader} was killed (leader lease {LeaseSeconds} s)");
        // And it keeps house: an NVE that stops renewing is marked down by it.
        // Timed from before the request: its lease cannot start earlier, however slow the answer.
        var down = Stopwatch.StartNew();
        await client.RegisterNveAsync("quiet", [UnderlayEndpoint.Parse("192.0.2.250")], null, TimeSpan.FromSeconds(2));
        while ((await client.ListNvesAsync()).Single(n => n.Nve.Name == "quiet").Nve.Down is null)
        {
            Assert.True(down.Elapsed < Patience, "the new leader never marked the NVE down");
            await Task.Delay(100);
        }
        // Not before its 2 s lease ran out.
        Assert.True(down.Elapsed >= TimeSpan.FromSeconds(2), $"marked down {down.Elapsed.TotalMilliseconds:0} ms after its 2 s registration");
        Output($"the new leader marked the silent NVE down {down.Elapsed.TotalMilliseconds:0} ms after its 2 s registration");
    }

    [Fact]
    public async Task ReplicaKilled_ClientsCarryOnWithTheSurvivor()
    {
        etcd.SkipIfMissing();
        using var replicas = Replicas();
        await replicas.StartAsync();
        using var client = new NvaClient(replicas.Addresses);
        uint vni = (uint)Random.Shared.Next(100, 60_000);
        await NetworkAsync(client, vni);
        var view = new DirectoryView(client, "watcher");
        view.Follow([vni]);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var viewing = view.RunAsync(stop.Token);
        int attached = 0;
        async Task<Binding> AttachAsync() => await client.AttachAsync(new AttachRequest(vni, new MacAddress(0x0200_0100_0000UL + (ulong)++attached),
            [IpAddr.FromV4(0x0A01_0000u + (uint)attached)], $"x{vni}", $"w{vni}-{attached}"));
        for (int i = 0; i < 10; i++)
        {
            await AttachAsync();
        }
        await WaitUntilAsync(() => view.Bindings.Count == 10);

        // The client uses the first replica: kill it mid-stream.
        var stopwatch = Stopwatch.StartNew();
        await replicas.KillAsync(0);
        await AttachAsync();
        var writeBack = stopwatch.Elapsed;
        await WaitUntilAsync(() => view.Bindings.Count == 11);
        var watchBack = stopwatch.Elapsed;

        Assert.Equal(replicas.Addresses[1], client.Address);
        Output($"after the kill: first write {writeBack.TotalMilliseconds:0} ms, the view saw it {watchBack.TotalMilliseconds:0} ms");
        Assert.Equal(1, view.Loads); // it resumed on the survivor from its revision: no reload
        await stop.CancelAsync();
        await viewing;
    }

    [Fact]
    public async Task PrimaryNveStopsRenewing_TheLeaderActivatesItsStandby_NotBeforeItsLeaseRanOut()
    {
        etcd.SkipIfMissing();
        using var replicas = Replicas();
        await replicas.StartAsync();
        using var client = new NvaClient(replicas.Addresses);
        uint vni = (uint)Random.Shared.Next(100, 60_000);
        await client.CreateVirtualNetworkAsync(new VirtualNetwork(vni, "", NetworkMode.L2, [IpPrefix.Parse("10.1.0.0/16")], [], TimeSpan.Zero));
        var lease = TimeSpan.FromSeconds(1);
        string primary = $"p{vni}", standby = $"s{vni}";
        // Set up on long leases (a loaded machine may take more than a second for it), then down
        // to 1 s just before the renewals start.
        var primaryAt = new UnderlayEndpoint(IpAddr.FromV4(0xC633_6400u + vni % 250));
        var standbyAt = new UnderlayEndpoint(IpAddr.FromV4(0xCB00_7100u + vni % 250));
        await client.RegisterNveAsync(primary, [primaryAt], null, TimeSpan.FromMinutes(1));
        await client.RegisterNveAsync(standby, [standbyAt], null, TimeSpan.FromMinutes(1));
        var mac = new MacAddress(0x0200_0300_0000UL + vni);
        await client.AttachAsync(new AttachRequest(vni, mac, [IpAddr.Parse("10.1.0.9")], primary, $"protected{vni}"));
        await client.BeginMigrationAsync(new BeginMigrationRequest($"protected{vni}", 0, default, standby, MigrationMode.HotStandby));
        await client.RegisterNveAsync(primary, [primaryAt], null, lease);
        await client.RegisterNveAsync(standby, [standbyAt], null, lease);
        using var stopPrimary = new CancellationTokenSource();
        using var stopAll = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        long lastPrimaryRenewal = 0;
        var renewing = Task.WhenAll(
            RenewAsync(client, primary, sentAt => Interlocked.Exchange(ref lastPrimaryRenewal, sentAt), stopPrimary.Token),
            RenewAsync(client, standby, _ => { }, stopAll.Token));
        var view = new DirectoryView(client, "observer");
        view.Follow([vni]);
        var viewing = view.RunAsync(stopAll.Token);
        await Task.Delay(TimeSpan.FromSeconds(3)); // a few renewals: every lease is current

        long activated = 0;
        view.Changed += c =>
        {
            if (c.Binding is { } b && b.Mac == mac && b.ActiveNve == standby)
            {
                Interlocked.CompareExchange(ref activated, Stopwatch.GetTimestamp(), 0);
            }
        };
        await stopPrimary.CancelAsync(); // the primary's server dies
        await WaitUntilAsync(() => Interlocked.Read(ref activated) != 0);
        var outage = TimeSpan.FromSeconds((activated - Interlocked.Read(ref lastPrimaryRenewal)) / (double)Stopwatch.Frequency);

        Output($"failover: the standby was activated and published {outage.TotalMilliseconds:0} ms after the primary's last renewal (lease {lease.TotalMilliseconds:0} ms)");
        Assert.True(outage >= lease, $"failed over {outage.TotalMilliseconds:0} ms after the last renewal, inside the {lease.TotalMilliseconds:0} ms lease");
        var binding = (await client.ListBindingsAsync(vni)).Single();
        Assert.Equal((standby, MoveTrigger.Failover), (binding.ActiveNve, binding.LastTrigger));
        await stopAll.CancelAsync();
        await Task.WhenAll(renewing, viewing);
    }

    private static void Output(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    // renewed gets the timestamp taken before the renewal was sent: the lease it renewed cannot have begun earlier.
    private static async Task RenewAsync(NvaClient client, string nve, Action<long> renewed, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                long sentAt = Stopwatch.GetTimestamp();
                await client.RenewAsync(nve, cancellationToken);
                renewed(sentAt);
                await Task.Delay(250, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < Patience, "timed out waiting");
            await Task.Delay(10);
        }
    }
}
