using System.Text.Json;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Packets;
using Nvo3.Testing;

namespace Nvo3.IntegrationTests;

/// <summary>
/// Durability of the NVA process: <c>nvo3 nva serve</c> is killed with SIGKILL while clients
/// write, then started again on the same store; every write it acknowledged is there, whole, and
/// the directory's indexes agree with its bindings (SQLite, and etcd where only the NVA dies).
/// </summary>
public sealed class NvaDurabilityTests(EtcdProcess etcd) : IClassFixture<EtcdProcess>
{
    private const uint Vni = 100;
    private const int Writers = 4;
    private const int AcknowledgedBeforeKill = 300;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_SqliteKilledWhileClientsWrite_KeepsEveryAcknowledgedWrite()
    {
        using var folder = new TempFolder();
        await KillWhileWritingThenRestartAsync("sqlite:" + folder.File("nva.db"));
    }

    [Fact]
    public async Task Serve_EtcdKilledWhileClientsWrite_KeepsEveryAcknowledgedWrite()
    {
        etcd.SkipIfMissing();
        int etcdPid = etcd.ProcessId;

        await KillWhileWritingThenRestartAsync("etcd:" + etcd.ClientUrl);

        Assert.Equal(etcdPid, etcd.ProcessId); // the NVA died, etcd did not
    }

    private static async Task KillWhileWritingThenRestartAsync(string store)
    {
        var writes = new AcknowledgedWrites();
        var (first, address) = await Nvo3Process.StartNvaAsync(store, Timeout);
        using (first)
        using (var client = new NvaClient(address))
        {
            await client.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", NetworkMode.L2, [IpPrefix.Parse("10.1.0.0/16")], [], TimeSpan.Zero));
            await client.AddNveAsync("a", [UnderlayEndpoint.Parse("192.0.2.1")]);
            await client.AddNveAsync("b", [UnderlayEndpoint.Parse("192.0.2.2")]);
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteUntilFailureAsync(client, w, writes))).ToArray();
            await writes.WaitForAsync(AcknowledgedBeforeKill, Timeout, first.Describe);

            await first.KillAsync();

            foreach (var failure in await Task.WhenAll(writers).WaitAsync(Timeout))
            {
                // Each writer was mid-stream: its call in flight, or its next, found the NVA gone.
                Assert.True(failure.Error == NvaError.Unavailable, failure.Message);
            }
        }

        var (second, restarted) = await Nvo3Process.StartNvaAsync(store, Timeout);
        using (second)
        {
            IReadOnlyList<Binding> bindings;
            using (var client = new NvaClient(restarted))
            {
                bindings = await client.ListBindingsAsync(Vni);
                writes.AssertSurvived(bindings.ToDictionary(b => b.Mac), Writers);
                Assert.InRange(bindings.Count, AcknowledgedBeforeKill / 2, int.MaxValue);
                foreach (var b in bindings)
                {
                    var found = await client.LookupByIpAsync(Vni, b.Ips[0]);
                    Assert.True(found.Binding?.Mac == b.Mac, $"{b.Ips[0]} resolves to {found.Binding?.Mac.ToString() ?? "nothing"}, not {b.Mac}");
                    Assert.Equal(b.ActiveNve, found.Host?.Name);
                }
            }

            // The same through the command an operator types.
            using var list = await Nvo3Process.RunAsync(Timeout, "vm", "list", "--vni", Vni.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", "--nva", restarted.ToString());
            Assert.True(list.ExitCode == 0, list.Describe());
            using var json = JsonDocument.Parse(string.Join('\n', list.Stdout));
            Assert.Equal(bindings.Count, json.RootElement.GetProperty("bindings").GetArrayLength());

            Assert.Equal(0, await second.TerminateAsync(Timeout));
        }

        await using var opened = await DirectoryStores.OpenAsync(store);
        await AssertIndexesMatchBindingsAsync(opened);
    }

    // Attaches vm0, vm1, … (every Writers-th for this writer) and moves every third one to NVE b as
    // an NVE would on a gratuitous ARP, until a call fails; returns that failure.
    private static async Task<NvaException> WriteUntilFailureAsync(NvaClient client, int writer, AcknowledgedWrites writes)
    {
        for (int i = writer; ; i += Writers)
        {
            if (i >= 60_000)
            {
                throw new InvalidOperationException("The writers ran out of addresses before the NVA was killed.");
            }
            var mac = new MacAddress(0x02_00_00_01_00_00UL + (ulong)i);
            var ip = IpAddr.FromV4(0x0A01_0001u + (uint)i); // 10.1.0.1 onwards
            string name = $"vm{i}";
            try
            {
                writes.Sending(mac, ip, name, "a", 1);
                writes.Acknowledged(mac, await client.AttachAsync(new AttachRequest(Vni, mac, [ip], "a", name)));
                if (i % 3 == 0)
                {
                    writes.Sending(mac, ip, name, "b", 2);
                    writes.Acknowledged(mac, await client.ActivateAsync(new ActivateRequest(Vni, mac, "b", MoveTrigger.Garp, 2, [ip])));
                }
            }
            catch (NvaException ex)
            {
                return ex;
            }
        }
    }

    // Nothing half-written: each binding's IP and name index entries exist and point at it, and
    // no index entry points at a binding that is not there.
    private static async Task AssertIndexesMatchBindingsAsync(IDirectoryStore store)
    {
        var snapshot = await new Authority(store).SnapshotAsync();
        var ipIndex = (await store.ListAsync(Keys.IpIndex)).Entries.ToDictionary(e => e.Key, e => RecordJson.Decode<string>(e.Value));
        var nameIndex = (await store.ListAsync(Keys.NameIndex)).Entries.ToDictionary(e => e.Key, e => RecordJson.Decode<string>(e.Value));
        foreach (var b in snapshot.Bindings)
        {
            foreach (var ip in b.Ips)
            {
                Assert.True(ipIndex.TryGetValue(Keys.Ip(b.Vni, ip), out var owner), $"{ip} of {b.Mac} has no index entry");
                Assert.Equal(b.Mac.ToString(), owner);
            }
            Assert.True(nameIndex.TryGetValue(Keys.Name(b.Name), out var named), $"{b.Name} has no name index entry");
            Assert.Equal($"{b.Vni}/{b.Mac}", named);
        }
        Assert.Equal(snapshot.Bindings.Sum(b => b.Ips.Count), ipIndex.Count);
        Assert.Equal(snapshot.Bindings.Count, nameIndex.Count);
    }
}
