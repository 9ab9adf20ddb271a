using Grpc.Core;
using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Packets;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Tests.Api;

/// <summary>The gRPC API over real HTTP/2 on loopback: refusals come back as status codes that say what to fix, and change nothing.</summary>
public sealed class ApiTests : IAsyncLifetime
{
    private NvaServer _server = null!;
    private NvaClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await NvaServer.StartAsync(new MemoryStore(), new NvaServerOptions { Listen = "127.0.0.1:0" });
        _client = new NvaClient(_server.Address);
        await _client.CreateVirtualNetworkAsync(new VirtualNetwork(100, "", NetworkMode.L2, [IpPrefix.Parse("10.0.0.0/24")], [], TimeSpan.FromSeconds(1)));
        await _client.AddNveAsync("a", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.1"))]);
        await _client.AttachAsync(new AttachRequest(100, MacAddress.Parse("02:00:00:00:00:01"), [IpAddr.Parse("10.0.0.5")], "a", "vm1"));
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<RpcException> RefusedAsync(Func<P.Directory.DirectoryClient, Task> call, StatusCode expected, string mentions)
    {
        long revision = await _server.Authority.Store.GetRevisionAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call(_client.Raw));
        Assert.Equal(expected, ex.StatusCode);
        Assert.Contains(mentions, ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(revision, await _server.Authority.Store.GetRevisionAsync()); // nothing changed
        return ex;
    }

    [Fact]
    public Task Attach_UnknownVni_IsNotFound() =>
        RefusedAsync(c => c.AttachAsync(new P.AttachRequest { Vni = 7, Mac = "02:00:00:00:00:02", Ips = { "10.0.0.6" }, Nve = "a" }).ResponseAsync,
            StatusCode.NotFound, "Unknown VNI 7");

    [Fact]
    public Task Attach_MalformedMac_IsInvalidArgument() =>
        RefusedAsync(c => c.AttachAsync(new P.AttachRequest { Vni = 100, Mac = "02:00:00:00:00", Ips = { "10.0.0.6" }, Nve = "a" }).ResponseAsync,
            StatusCode.InvalidArgument, "is not a MAC address");

    [Fact]
    public Task Attach_MissingMac_IsInvalidArgument() =>
        RefusedAsync(c => c.AttachAsync(new P.AttachRequest { Vni = 100, Ips = { "10.0.0.6" }, Nve = "a" }).ResponseAsync,
            StatusCode.InvalidArgument, "mac is missing");

    [Fact]
    public Task Attach_NoAddress_IsInvalidArgument() =>
        RefusedAsync(c => c.AttachAsync(new P.AttachRequest { Vni = 100, Mac = "02:00:00:00:00:02", Nve = "a" }).ResponseAsync,
            StatusCode.InvalidArgument, "needs at least one IP");

    [Fact]
    public Task Attach_MulticastMac_IsInvalidArgument() =>
        RefusedAsync(c => c.AttachAsync(new P.AttachRequest { Vni = 100, Mac = "01:00:5e:00:00:01", Ips = { "10.0.0.6" }, Nve = "a" }).ResponseAsync,
            StatusCode.InvalidArgument, "not a unicast address");

    [Fact]
    public Task Attach_OversizedAddressList_IsInvalidArgument()
    {
        var request = new P.AttachRequest { Vni = 100, Mac = "02:00:00:00:00:02", Nve = "a" };
        request.Ips.AddRange(Enumerable.Range(1, 65).Select(i => $"10.0.0.{i + 10}"));
        return RefusedAsync(c => c.AttachAsync(request).ResponseAsync, StatusCode.InvalidArgument, "Too many addresses: 65");
    }

    [Fact]
    public Task Attach_AddressOutsideSubnets_IsInvalidArgument() =>
        RefusedAsync(c => c.AttachAsync(new P.AttachRequest { Vni = 100, Mac = "02:00:00:00:00:02", Ips = { "10.9.0.6" }, Nve = "a" }).ResponseAsync,
            StatusCode.InvalidArgument, "outside VNI 100's subnets");

    [Fact]
    public Task Attach_TakenAddress_IsAlreadyExists() =>
        RefusedAsync(c => c.AttachAsync(new P.AttachRequest { Vni = 100, Mac = "02:00:00:00:00:02", Ips = { "10.0.0.5" }, Nve = "a" }).ResponseAsync,
            StatusCode.AlreadyExists, "already bound to MAC 02:00:00:00:00:01");

    [Fact]
    public Task Attach_UnknownNve_IsNotFound() =>
        RefusedAsync(c => c.AttachAsync(new P.AttachRequest { Vni = 100, Mac = "02:00:00:00:00:02", Ips = { "10.0.0.6" }, Nve = "zz" }).ResponseAsync,
            StatusCode.NotFound, "Unknown NVE 'zz'");

    [Fact]
    public Task CreateNetwork_MalformedCidr_IsInvalidArgument() =>
        RefusedAsync(c => c.CreateVirtualNetworkAsync(new P.CreateVirtualNetworkRequest { Vni = 200, Mode = P.NetworkMode.L2, Subnets = { "10.0.0.0/33" } }).ResponseAsync,
            StatusCode.InvalidArgument, "prefix length");

    [Fact]
    public Task CreateNetwork_MissingMode_IsInvalidArgument() =>
        RefusedAsync(c => c.CreateVirtualNetworkAsync(new P.CreateVirtualNetworkRequest { Vni = 200, Subnets = { "10.1.0.0/24" } }).ResponseAsync,
            StatusCode.InvalidArgument, "mode is missing");

    [Fact]
    public Task CreateNetwork_VniOutOfRange_IsInvalidArgument() =>
        RefusedAsync(c => c.CreateVirtualNetworkAsync(new P.CreateVirtualNetworkRequest { Vni = 1 << 24, Mode = P.NetworkMode.L2, Subnets = { "10.1.0.0/24" } }).ResponseAsync,
            StatusCode.InvalidArgument, "out of range");

    [Fact]
    public Task CreateNetwork_Existing_IsAlreadyExists() =>
        RefusedAsync(c => c.CreateVirtualNetworkAsync(new P.CreateVirtualNetworkRequest { Vni = 100, Mode = P.NetworkMode.L2, Subnets = { "10.1.0.0/24" } }).ResponseAsync,
            StatusCode.AlreadyExists, "already exists");

    [Fact]
    public Task Activate_ForeignIpClaim_IsFailedPrecondition() =>
        RefusedAsync(c => c.ActivateAsync(new P.ActivateRequest { Vni = 100, Mac = "02:00:00:00:00:01", Nve = "a", ClaimedIps = { "10.0.0.77" }, Trigger = P.MoveTrigger.Garp }).ResponseAsync,
            StatusCode.FailedPrecondition, "not MAC 02:00:00:00:00:01's");

    [Fact]
    public Task RegisterNve_MissingUnderlay_IsInvalidArgument() =>
        RefusedAsync(c => c.RegisterNveAsync(new P.RegisterNveRequest { Name = "b" }).ResponseAsync,
            StatusCode.InvalidArgument, "needs an underlay address");

    [Fact]
    public Task RegisterNve_BadName_IsInvalidArgument() =>
        RefusedAsync(c => c.RegisterNveAsync(new P.RegisterNveRequest { Name = "no spaces", Underlay = { new P.UnderlayEndpoint { Address = "192.0.2.9" } } }).ResponseAsync,
            StatusCode.InvalidArgument, "letters, digits");

    [Fact]
    public async Task Client_RefusalArrivesAsNvaException()
    {
        var ex = await Assert.ThrowsAsync<NvaException>(() => _client.DetachAsync(100, MacAddress.Parse("02:00:00:00:00:09")));
        Assert.Equal(NvaError.NotFound, ex.Error);
    }

    [Fact]
    public async Task Client_UnreachableNva_IsUnavailableWithAHint()
    {
        using var nowhere = new NvaClient(new Uri("http://127.0.0.1:1"));
        var ex = await Assert.ThrowsAsync<NvaException>(() => nowhere.ListNvesAsync());
        Assert.Equal(NvaError.Unavailable, ex.Error);
        Assert.Contains("is nvo3 nva serve running", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_FromARevision_ReplaysInOrderThenStreamsLive()
    {
        var snapshot = await _client.SnapshotAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<DirectoryChange>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in _client.WatchAsync(1, "test", cts.Token))
            {
                seen.Add(change);
                if (change.Kind == ChangeKind.BindingPut && change.Binding!.ActiveNve == "b")
                {
                    return;
                }
            }
        });
        await _client.AddNveAsync("b", [new UnderlayEndpoint(IpAddr.Parse("192.0.2.2"))]);
        await _client.ActivateAsync(new ActivateRequest(100, MacAddress.Parse("02:00:00:00:00:01"), "b", MoveTrigger.Garp, 2));
        await watching;

        Assert.Equal(ChangeKind.NetworkPut, seen[0].Kind);
        Assert.Contains(seen, c => c.Kind == ChangeKind.NvePut && c.Nve!.Name == "b");
        Assert.Contains(seen, c => c.Kind == ChangeKind.RedirectPut && c.Redirect!.NewNve == "b");
        Assert.Equal(seen.Select(c => c.Revision).Order(), seen.Select(c => c.Revision));
        Assert.True(seen[^1].Revision > snapshot.Revision);
    }
}
