using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// A Network Virtualization Edge: attaches tenant systems through tenant ports, encapsulates their
/// traffic towards the NVE that hosts the destination, answers ARP and Neighbor Discovery from the
/// directory, notices a VM's announcements after a move, forwards packets in flight for VMs that
/// have just left and holds them for VMs that are just arriving.
/// </summary>
/// <remarks>
/// The host of the parts, which each own their state: the forwarding tables (built by the
/// <see cref="DirectorySync"/>, swapped whole), the ports, the redirects, the remote resolver, the
/// activation state machine, and the paths a frame takes (<see cref="TenantPath"/>,
/// <see cref="UnderlayPath"/>, <see cref="Delivery"/> over an <see cref="Encapsulation"/>).
/// Threads: one receive loop per underlay socket and per tenant port, each with its own batch and
/// scratch buffers, which carries a frame from its read to its send; per frame nothing is
/// allocated, logged or locked on the common path, and every drop is counted by reason. The
/// directory view, look-ups, claims and timers run on the thread pool, on the edge's
/// <see cref="TimeProvider"/>.
/// </remarks>
public sealed partial class Edge : IAsyncDisposable
{
    private readonly IDirectoryClient _nva;
    private readonly IUnderlay _underlay;
    private readonly EdgeClock _clock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private readonly List<Task> _tasks = [];
    private long _loopFailures;
    private readonly Lock _followGate = new();
    private HashSet<uint> _followed = [];
    private readonly Lock _housekeeping = new();
    private readonly PortTable _ports = new();
    private readonly RedirectTable _redirects;
    private readonly RemoteResolver _resolver;
    private readonly Delivery _delivery;
    private readonly Activation _activation;
    private readonly TenantPath _tenant;
    private readonly UnderlayPath _fromUnderlay;
    private readonly DirectorySync _sync;
    private readonly NveMetrics _metrics;

    private Edge(EdgeOptions options, IDirectoryClient nva, IUnderlay underlay, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Options = options;
        _nva = nva;
        _underlay = underlay;
        _clock = new EdgeClock(time);
        _logger = loggerFactory.CreateLogger<Edge>();
        View = new DirectoryView(nva, options.Name, time, loggerFactory);
        var stop = _stop.Token;
        Func<ForwardingTables> tables = () => _sync!.Tables;
        _redirects = new RedirectTable(_clock);
        _resolver = new RemoteResolver(Name, nva, tables, _clock, Counters, options, _logger, stop);
        _delivery = new Delivery(_redirects, underlay, _clock, Counters, options);
        var forwarder = new Forwarder(_ports, _delivery, _resolver, underlay, Counters);
        var router = new GatewayRouter(forwarder, _delivery, Counters);
        forwarder.Router = router;
        _resolver.Send = (network, packet, peer) => forwarder.Send(network, packet, peer);
        _activation = new Activation(Name, nva, View, _ports, _redirects, _resolver, forwarder, tables, _clock, Counters, options, _logger, stop);
        var neighbors = new NeighborResponder(Name, _activation, forwarder, _delivery, nva, Counters, _logger, stop);
        _tenant = new TenantPath(tables, neighbors, forwarder, router, Counters);
        _fromUnderlay = new UnderlayPath(tables, options.IlaLocator, forwarder, Counters);
        _sync = new DirectorySync(Name, View, _ports, _redirects, _resolver, _activation, options);
        View.Changed += _sync.OnChange;
        _metrics = new NveMetrics(Name, Counters, _ports, _redirects, _resolver, View);
        _resolver.Metrics = _metrics;
    }

    /// <summary>Its settings.</summary>
    public EdgeOptions Options { get; }

    /// <summary>Its name.</summary>
    public string Name => Options.Name;

    /// <summary>Where it receives.</summary>
    public UnderlayEndpoint Endpoint => Options.Underlay;

    /// <summary>Its counters.</summary>
    public NveCounters Counters { get; } = new();

    /// <summary>Its copy of the directory.</summary>
    public DirectoryView View { get; }

    /// <summary>The clock its timers use.</summary>
    public TimeProvider Time => _clock.Time;

    /// <summary>The underlay, for captures (<see cref="IUnderlay.Tap"/>).</summary>
    public IUnderlay Underlay => _underlay;

    /// <summary>Where the agent beside it listens, as published in the directory.</summary>
    public Uri? Agent { get; private set; }

    /// <summary>True while its directory watch is connected.</summary>
    public bool ConnectedToNva => View.Connected;

    /// <summary>The MAC the NVE answers RARP with (02:4e:56:ff:ff:fe).</summary>
    public static MacAddress ServerMac => NeighborResponder.ServerMac;

    /// <summary>
    /// Binds a UDP underlay to <see cref="EdgeOptions.Underlay"/>, registers with the NVA, loads the
    /// directory and starts the loops. Throws <see cref="IOException"/> when the underlay cannot be
    /// bound and <see cref="NvaException"/> when the NVA refuses or cannot be reached.
    /// </summary>
    public static Task<Edge> StartAsync(EdgeOptions options, IDirectoryClient nva, TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, nva, new UdpUnderlay(options.Underlay, options.SendSockets, options.SendFromReceivePort), timeProvider, loggerFactory, cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync(EdgeOptions, IDirectoryClient, TimeProvider?, ILoggerFactory?, CancellationToken)"/>
    /// over an underlay the caller made (a <see cref="MemoryUnderlay"/> in tests); the edge owns it from here.
    /// </summary>
    public static async Task<Edge> StartAsync(EdgeOptions options, IDirectoryClient nva, IUnderlay underlay, TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var edge = new Edge(options, nva, underlay, timeProvider ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance) { Agent = options.Agent };
        if (options.FollowPortNetworks)
        {
            edge.View.Follow([]); // no port yet: the NVE records only
        }
        try
        {
            await nva.RegisterNveAsync(options.Name, [options.Underlay], options.IlaLocator, options.Lease, options.Agent, cancellationToken).ConfigureAwait(false);
            await edge.View.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await edge.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        edge.StartLoops();
        Log.Started(edge._logger, options.Name, options.Underlay, options.Mode, options.Activation);
        return edge;
    }

    /// <summary>Publishes in the directory where the agent beside this NVE listens (ports, migrations).</summary>
    public async Task PublishAgentAsync(Uri agent, CancellationToken cancellationToken = default)
    {
        Agent = agent;
        await _nva.RegisterNveAsync(Name, [Options.Underlay], Options.IlaLocator, Options.Lease, agent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Milliseconds between two timestamps of this NVE's clock.</summary>
    public double Milliseconds(long fromTicks, long toTicks) => _clock.Milliseconds(fromTicks, toTicks);

    /// <summary>Where this NVE currently sends traffic for a remote MAC, if it knows.</summary>
    public RemoteEntry? GetRemote(uint vni, MacAddress mac) => _resolver.Get(vni, mac);

    /// <summary>The redirect this NVE runs for a MAC that left, if any.</summary>
    public RedirectEntry? GetRedirect(uint vni, MacAddress mac) => _redirects.TryGet(vni, mac, out var entry) ? entry : null;

    /// <summary>Where the directory said a binding of this NVE will go, before its pause (step 2 of a hot move), if it did.</summary>
    public string? GetPreparedRedirect(uint vni, MacAddress mac) => _redirects.Prepared(vni, mac)?.Name;

    /// <summary>
    /// The timers: held frames past their time are dropped, silent VMs activated and announced for,
    /// redirects ended once their time passed and packets stopped arriving. Runs every
    /// <see cref="EdgeOptions.HousekeepingInterval"/> on the edge's clock; tests with a fake clock call it directly.
    /// </summary>
    internal void Housekeeping()
    {
        lock (_housekeeping)
        {
            _activation.Housekeeping();
            _redirects.Expire(Options.RedirectIdle, Options.RedirectMaxExtension);
        }
    }

    /// <summary>One tenant frame through the pipeline (benchmarks call it without the port loop).</summary>
    internal void FromTenant(LocalPort port, FrameBatch batch, int i, byte[] scratch) => _tenant.FromTenant(port, batch, i, scratch);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var port in _ports.All)
        {
            port.Port.Dispose();
        }
        _underlay.Dispose();
        try
        {
            await Task.WhenAll(_tasks).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or NvaException)
        {
        }
        Thread[] threads;
        lock (_threads)
        {
            threads = [.. _threads];
        }
        foreach (var thread in threads)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }
        _stop.Dispose();
        _metrics.Dispose();
    }
}
