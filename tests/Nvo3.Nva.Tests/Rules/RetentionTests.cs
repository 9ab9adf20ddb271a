using Grpc.Net.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Records;
using Nvo3.Nva.Storage;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Packets;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>Ended migrations are kept for a bounded time and number, then removed: a snapshot stays small enough to load.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Sweep_EndedMigrations_RemovesThoseBeyondTheCountAndThoseTooOld()
    {
        var settings = new NvaSettings { MaxEndedMigrations = 3, MigrationRetention = TimeSpan.FromMinutes(10) };
        await using var f = await DirectoryFixture.CreateAsync(settings, housekeeping: true);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            var m = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "b", MigrationMode.Hot));
            await f.Authority.AbortMigrationAsync(m.Id, $"try {i}");
            ids.Add(m.Id);
            f.Time.Advance(TimeSpan.FromMinutes(1));
        }
        var open = await f.Authority.BeginMigrationAsync(new BeginMigrationRequest("vm1", 0, default, "c", MigrationMode.Hot));

        await f.SweepAsync();
        Assert.Equal([.. ids[2..], open.Id], (await f.Authority.ListMigrationsAsync()).Select(m => m.Id));

        f.Time.Advance(TimeSpan.FromMinutes(7)); // the third ended 10 minutes ago, the fourth 9: only the third is too old
        for (int i = 0; i < 25; i++)
        {
            await f.SweepAsync(); // clean-up runs every 25th sweep
        }
        Assert.Equal([ids[3], ids[4], open.Id], (await f.Authority.ListMigrationsAsync()).Select(m => m.Id));
    }

    [Fact]
    public async Task Serve_ThirtyThousandEndedMigrations_CleanedUpAndASnapshotFitsGrpcsDefaultLimit()
    {
        // The old failure: every ended migration stayed, until the snapshot passed gRPC's 4 MiB
        // limit and no NVE could load the directory.
        var store = new MemoryStore();
        var now = DateTimeOffset.UtcNow;
        for (int batch = 0; batch < 300; batch++)
        {
            var txn = new StoreTransaction();
            for (int i = 0; i < 100; i++)
            {
                string id = $"m-old-{batch:D3}-{i:D3}";
                txn.Put(Keys.Migration(id), RecordJson.Encode(new Migration(id, 100, new MacAddress(0x0200_0000_0000UL + (ulong)i), $"vm-{i}", "a", "b",
                    MigrationMode.Hot, MigrationPhase.Completed, now.AddHours(-2), now.AddHours(-2), now.AddHours(-2), now.AddHours(-2), "completed: the destination activated, the source was disassociated, and the redirect ran out")));
            }
            await store.CommitAsync(txn);
        }
        var before = new P.SnapshotResponse();
        before.Migrations.AddRange((await new Authority(store).SnapshotAsync()).Migrations.Select(m => Grpc.ProtoMapping.ToProto(m)));
        Assert.True(before.CalculateSize() > 4 * 1024 * 1024, $"the test's snapshot is only {before.CalculateSize()} bytes");

        await using var server = await NvaServer.StartAsync(store, new NvaServerOptions { Listen = "127.0.0.1:0", SweepInterval = TimeSpan.FromMilliseconds(20) });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await server.Authority.ListMigrationsAsync()).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the leader did not remove the old migrations within 30 s");
            await Task.Delay(50);
        }

        // A client with gRPC's default 4 MiB limit loads the snapshot.
        using var channel = GrpcChannel.ForAddress(server.Address);
        var snapshot = await new P.Directory.DirectoryClient(channel).SnapshotAsync(new P.SnapshotRequest());
        Assert.Empty(snapshot.Migrations);
    }
}
