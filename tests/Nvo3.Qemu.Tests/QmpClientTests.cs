using System.Text.Json;
using Nvo3.Qemu.Qmp;

namespace Nvo3.Qemu.Tests;

/// <summary>QmpClient against a scripted QMP peer on a unix socket.</summary>
public class QmpClientTests
{
    private static async Task<(FakeQmpServer Server, QmpClient Client)> ConnectedAsync()
    {
        var server = new FakeQmpServer();
        var accept = server.AcceptAndNegotiateAsync();
        var client = await QmpClient.ConnectAsync(server.SocketPath).WaitAsync(TimeSpan.FromSeconds(10));
        await accept;
        return (server, client);
    }

    [Fact]
    public async Task ConnectAsync_Greeting_NegotiatesAndReadsVersion()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;

        Assert.Equal("7.2.22", client.QemuVersion);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task ExecuteAsync_RepliesInReverseOrder_EachMatchedById()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;

        var first = client.ExecuteAsync("query-name");
        var firstCommand = await server.ReadCommandAsync();
        var second = client.ExecuteAsync("query-uuid");
        var secondCommand = await server.ReadCommandAsync();
        await server.ReplyAsync(secondCommand, """{"UUID": "u"}""");
        await server.ReplyAsync(firstCommand, """{"name": "n"}""");

        Assert.Equal("n", (await first).GetProperty("name").GetString());
        Assert.Equal("u", (await second).GetProperty("UUID").GetString());
        Assert.NotEqual(firstCommand.GetProperty("id").GetString(), secondCommand.GetProperty("id").GetString());
    }

    [Fact]
    public async Task ExecuteAsync_EventsBeforeTheReply_DeliveredToWaitersSubscribersAndHistory()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;
        var seen = new List<string>();
        using var subscription = client.Subscribe(e => { lock (seen) { seen.Add(e.Name); } });
        var preSwitchover = client.WaitForEventAsync(e => e.MigrationStatus == MigrationStatus.PreSwitchover);

        var migrate = client.MigrateAsync("tcp:127.0.0.1:1");
        var command = await server.ReadCommandAsync();
        Assert.Equal("tcp:127.0.0.1:1", command.GetProperty("arguments").GetProperty("uri").GetString());
        await server.EventAsync("MIGRATION", """{"status": "setup"}""");
        await server.EventAsync("MIGRATION_PASS", """{"pass": 1}""");
        await server.EventAsync("MIGRATION", """{"status": "pre-switchover"}""");
        await server.ReplyAsync(command, "{}");
        await migrate;

        var e = await preSwitchover.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, e.Sequence);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000).AddTicks(50), e.Timestamp);
        Assert.Equal(1, client.RecentEvents.Single(r => r.Name == QmpEvent.MigrationPass).DataInt64("pass"));
        lock (seen)
        {
            Assert.Equal(["MIGRATION", "MIGRATION_PASS", "MIGRATION"], seen);
        }
    }

    [Fact]
    public async Task ExecuteAsync_ErrorReply_ThrowsQmpExceptionAndStaysConnected()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;

        var refused = client.MigrateContinueAsync();
        await server.FailAsync(await server.ReadCommandAsync(), "GenericError", "Migration not in expected state: active");
        var ex = await Assert.ThrowsAsync<QmpException>(() => refused);

        Assert.Equal("GenericError", ex.ErrorClass);
        Assert.Equal("Migration not in expected state: active", ex.Description);
        Assert.Equal("migrate-continue", ex.Command);
        var status = client.QueryStatusAsync();
        await server.ReplyAsync(await server.ReadCommandAsync(), """{"status": "running", "singlestep": false, "running": true}""");
        Assert.Equal(new QemuRunStatus("running", true), await status);
    }

    [Fact]
    public async Task Garbage_WhileACommandWaits_FailsItAndEveryLaterCallWithAProtocolError()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;
        var waiter = client.WaitForEventAsync(QmpEvent.Resume);

        var pending = client.StopAsync();
        await server.ReadCommandAsync();
        await server.SendAsync("this is not json");

        var ex = await Assert.ThrowsAsync<QmpProtocolException>(() => pending);
        Assert.Contains("not QMP", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<QmpProtocolException>(() => waiter);
        await Assert.ThrowsAsync<QmpProtocolException>(() => client.ContinueAsync());
        await Assert.ThrowsAsync<QmpProtocolException>(() => client.Completion);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task LineLongerThanTheLimit_EndsTheConnectionWithoutBufferingIt()
    {
        var server = new FakeQmpServer();
        await using var _ = server;
        var accept = server.AcceptAndNegotiateAsync();
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, new QmpClientOptions { MaxMessageBytes = 1024 });
        await accept;

        var pending = client.QueryStatusAsync();
        await server.ReadCommandAsync();
        await server.SendRawAsync(new byte[4096]); // no newline, ever

        var ex = await Assert.ThrowsAsync<QmpProtocolException>(() => pending);
        Assert.Contains("longer than 1024 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hangup_WhileWaitingForAnEvent_FailsTheWait()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;
        var completed = client.WaitForEventAsync(e => e.MigrationStatus == MigrationStatus.Completed);

        server.Hangup();

        var ex = await Assert.ThrowsAsync<QmpProtocolException>(() => completed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuitAsync_PeerClosesBeforeReplying_CountsAsDone()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;

        var quit = client.QuitAsync();
        await server.ReadCommandAsync();
        await server.EventAsync("SHUTDOWN", """{"guest": false, "reason": "host-qmp-quit"}""");
        server.Hangup();

        await quit.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ConnectAsync_PeerDoesNotGreetWithQmp_ThrowsProtocolError()
    {
        var server = new FakeQmpServer();
        await using var _ = server;
        var accept = server.AcceptAsync(greeting: """{"hello": "world"}""");

        var ex = await Assert.ThrowsAsync<QmpProtocolException>(() => QmpClient.ConnectAsync(server.SocketPath));
        await accept;

        Assert.Contains("did not greet with QMP", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForEventAsync_Cancelled_EndsWithoutAnEvent()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;
        using var cancel = new CancellationTokenSource();

        var wait = client.WaitForEventAsync(QmpEvent.Stop, cancel.Token);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        await server.EventAsync("STOP");
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task QueryMigrateAsync_QemuReply_ReadsEveryFigure()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;

        var query = client.QueryMigrateAsync();
        await server.ReplyAsync(await server.ReadCommandAsync(), """
            {"blocked": false, "expected-downtime": 300, "status": "completed", "setup-time": 3, "total-time": 707, "downtime": 2,
             "ram": {"total": 268828672, "postcopy-requests": 0, "dirty-sync-count": 4, "multifd-bytes": 0, "pages-per-second": 24000,
                     "downtime-bytes": 1000, "page-size": 4096, "remaining": 0, "postcopy-bytes": 0, "mbps": 1057.5, "transferred": 93000000,
                     "dirty-sync-missed-zero-copy": 0, "precopy-bytes": 92999000, "duplicate": 40000, "dirty-pages-rate": 120, "skipped": 0,
                     "normal-bytes": 92000000, "normal": 22460}}
            """.ReplaceLineEndings(" "));
        var info = await query;

        Assert.Equal(MigrationStatus.Completed, info.Status);
        Assert.Equal((707L, 2L, 3L), (info.TotalTimeMs!.Value, info.DowntimeMs!.Value, info.SetupTimeMs!.Value));
        Assert.Equal((93000000L, 0L, 268828672L), (info.TransferredBytes!.Value, info.RemainingBytes!.Value, info.TotalBytes!.Value));
        Assert.Equal((4L, 120L, 4096L), (info.Rounds!.Value, info.DirtyPagesRate!.Value, info.PageSize!.Value));
        Assert.Equal(1057.5, info.Mbps);
    }

    [Fact]
    public async Task SetMigrationParametersAsync_SendsOnlyWhatIsSet()
    {
        var (server, client) = await ConnectedAsync();
        await using var _ = server;
        await using var __ = client;

        var set = client.SetMigrationParametersAsync(new MigrationParameters { DowntimeLimitMs = 50, MaxBandwidth = 1L << 30 });
        var command = await server.ReadCommandAsync();
        await server.ReplyAsync(command, "{}");
        await set;

        var arguments = command.GetProperty("arguments");
        Assert.Equal(["downtime-limit", "max-bandwidth"], arguments.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(50, arguments.GetProperty("downtime-limit").GetInt64());
        Assert.Equal(JsonValueKind.Number, arguments.GetProperty("max-bandwidth").ValueKind);
    }
}
