using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Nvo3.Nva.Leadership;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Nva.Watch;
using Nvo3.Packets;

namespace Nvo3.Nva.Tests.Rules;

/// <summary>
/// An authority over an in-memory store with a fake clock, a network and three NVEs (a &lt; b &lt; c
/// by underlay); with <c>housekeeping</c>, also the watch hub (so the authority reads its watched
/// copy) and the leader's housekeeper, whose sweeps the test runs.
/// </summary>
internal sealed class DirectoryFixture : IAsyncDisposable
{
    public const uint Vni = 100;
    public static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:01");
    public static readonly IpAddr Ip4 = IpAddr.Parse("10.0.0.5");
    public static readonly IpAddr Ip6 = IpAddr.Parse("fd00:100::5");

    private DirectoryFixture(Authority authority, FakeTimeProvider time, WatchHub? hub)
    {
        Authority = authority;
        Time = time;
        Hub = hub;
        Housekeeper = hub is null ? null : new Housekeeper(authority, hub.View, NullLogger.Instance);
    }

    public WatchHub? Hub { get; }

    public Housekeeper? Housekeeper { get; }

    /// <summary>One leader's sweep (needs <c>housekeeping</c>).</summary>
    public Task SweepAsync() => Housekeeper!.SweepAsync(CancellationToken.None);

    public Authority Authority { get; }

    public FakeTimeProvider Time { get; }

    public MemoryStore Store => (MemoryStore)Authority.Store;

    public static async Task<DirectoryFixture> CreateAsync(NvaSettings? settings = null, bool attach = true, bool housekeeping = false, TimeSpan? lease = null,
        Nvo3.Nva.Storage.IDirectoryStore? store = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var authority = new Authority(store ?? new MemoryStore(), settings ?? new NvaSettings(), time);
        WatchHub? hub = null;
        if (housekeeping)
        {
            hub = new WatchHub(authority);
            await hub.StartAsync();
        }
        await authority.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", NetworkMode.L2,
            [IpPrefix.Parse("10.0.0.0/24"), IpPrefix.Parse("fd00:100::/64")], [], TimeSpan.FromMilliseconds(500)));
        foreach (var (name, ip) in new[] { ("a", "192.0.2.1"), ("b", "192.0.2.2"), ("c", "192.0.2.3") })
        {
            await authority.RegisterNveAsync(name, [new UnderlayEndpoint(IpAddr.Parse(ip))], null, lease ?? TimeSpan.FromHours(1));
        }
        if (attach)
        {
            await authority.AttachAsync(new AttachRequest(Vni, Mac, [Ip4, Ip6], "a", "vm1"));
        }
        return new DirectoryFixture(authority, time, hub);
    }

    public async ValueTask DisposeAsync()
    {
        if (Hub is not null)
        {
            await Hub.DisposeAsync();
        }
    }

    public Task<Binding?> BindingAsync() => Authority.GetBindingAsync(Vni, Mac);

    public Task<Binding> ClaimAsync(string nve, long sequence = 0, MoveTrigger trigger = MoveTrigger.Garp, params IpAddr[] claimed) =>
        Authority.ActivateAsync(new ActivateRequest(Vni, Mac, nve, trigger, sequence, claimed));
}
