using Microsoft.Extensions.Time.Testing;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nva.Hosting;
using Nvo3.Nva.Storage.Memory;
using Nvo3.Nva.Watch;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>
/// NVEs alone: the NVA's own rules in this process (no gRPC), an in-memory underlay between the
/// NVEs, and one fake clock for the NVEs' timers (the NVA may run on another, to skew it). Network
/// 100 is Layer 2 (or Layer 3) with 10.0.0.0/24 and fd00:100::/64.
/// </summary>
internal sealed class EdgeHarness : IAsyncDisposable
{
    public const uint Vni = 100;
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromMilliseconds(500);

    private readonly List<Edge> _edges = [];
    private readonly List<TestVm> _vms = [];

    private EdgeHarness(Authority authority, WatchHub hub, FakeTimeProvider clock)
    {
        Authority = authority;
        Hub = hub;
        Clock = clock;
        Directory = new LocalDirectoryClient(authority, hub);
    }

    /// <summary>The NVEs' clock (the NVA's too unless skewed).</summary>
    public FakeTimeProvider Clock { get; }

    public Authority Authority { get; }

    public WatchHub Hub { get; }

    public LocalDirectoryClient Directory { get; }

    public MemoryUnderlayNetwork Underlay { get; } = new();

    /// <summary>What the NVEs logged as errors (a failed loop among them).</summary>
    public ErrorLog Log { get; } = new();

    public IReadOnlyList<Edge> Edges => _edges;

    public static async Task<EdgeHarness> StartAsync(NetworkMode mode = NetworkMode.L2, ulong? ilaSir = null, TimeProvider? nvaClock = null, NvaSettings? settings = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var authority = new Authority(new MemoryStore(), settings ?? new NvaSettings(), nvaClock ?? clock);
        var hub = new WatchHub(authority);
        await hub.StartAsync();
        await authority.CreateVirtualNetworkAsync(new VirtualNetwork(Vni, "", mode,
            [IpPrefix.Parse("10.0.0.0/24"), IpPrefix.Parse("fd00:100::/64")], [], CacheLifetime, ilaSir));
        return new EdgeHarness(authority, hub, clock);
    }

    public static UnderlayEndpoint EndpointOf(int index) => new(IpAddr.Parse($"192.0.2.{index}"));

    public static ulong LocatorOf(int index) => 0xFDFF_0000_0000_0000UL | (uint)index;

    /// <summary>Starts NVE <paramref name="name"/> at 192.0.2.<paramref name="index"/> and waits until it knows every NVE started before.</summary>
    public async Task<Edge> AddEdgeAsync(string name, int index, Func<EdgeOptions, EdgeOptions>? configure = null, IDirectoryClient? directory = null,
        Func<IUnderlay, IUnderlay>? underlay = null)
    {
        var options = new EdgeOptions { Name = name, Underlay = EndpointOf(index), IlaLocator = LocatorOf(index), Lease = TimeSpan.FromHours(1) };
        options = configure?.Invoke(options) ?? options;
        IUnderlay own = Underlay.Create(options.Underlay);
        var edge = await Edge.StartAsync(options, directory ?? Directory, underlay?.Invoke(own) ?? own, Clock, Log);
        _edges.Add(edge);
        foreach (var other in _edges)
        {
            await WaitAsync(() => _edges.All(e => other.View.Nves.ContainsKey(e.Name)), $"{other.Name} to know every NVE");
        }
        return edge;
    }

    /// <summary>Binds VM number <paramref name="n"/> (MAC 02:00:00:00:00:n, 10.0.0.n, fd00:100::n) at <paramref name="at"/> and wires it there.</summary>
    public async Task<TestVm> AddVmAsync(int n, Edge at, bool sticky = false)
    {
        var vm = new TestVm(n);
        await Authority.AttachAsync(new AttachRequest(Vni, vm.Mac, [vm.IPv4, vm.IPv6], at.Name, $"vm{n}", sticky));
        await WaitAsync(() => Following(Vni).All(e => e.View.Bindings.TryGetValue((Vni, vm.Mac), out var b) && b.ActiveNve == at.Name), $"every NVE to see vm{n} at {at.Name}");
        vm.Plug(at);
        await WaitAsync(() => at.GetPort(Vni, vm.Mac)?.State == PortState.Active, $"vm{n}'s port at {at.Name} to be active");
        _vms.Add(vm);
        return vm;
    }

    /// <summary>The NVEs whose view holds network <paramref name="vni"/> (all of them, but those that follow only their ports' networks).</summary>
    public IEnumerable<Edge> Following(uint vni) => _edges.Where(e => e.View.FollowedNetworks is not { } followed || followed.Contains(vni));

    /// <summary>Waits (bounded, on real time) for what the NVEs do on their own threads; never for a timer, which the fake clock drives.</summary>
    public static Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null) => WaitAsync(condition, () => what, timeout);

    /// <summary>As the other, with the explanation written when it gives up (so it shows the state then).</summary>
    public static async Task WaitAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what()}.");
            }
            await Task.Delay(2);
        }
    }

    /// <summary>Moves the NVEs' clock and runs their timers once.</summary>
    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        foreach (var edge in _edges)
        {
            edge.Housekeeping();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var vm in _vms)
        {
            vm.Dispose();
        }
        foreach (var edge in _edges)
        {
            await edge.DisposeAsync();
        }
        await Hub.DisposeAsync();
        Assert.Empty(Log.Errors);
    }
}
