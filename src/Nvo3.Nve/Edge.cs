using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// A Network Virtualization Edge: attaches tenant systems through tenant ports, encapsulates their
/// frames in VXLAN towards the NVE that hosts the destination, answers ARP and Neighbor Discovery
/// from the directory, notices a VM's announcements after a move, forwards packets in flight for
/// VMs that have just left and holds them for VMs that are just arriving.
/// </summary>
/// <remarks>
/// Threads: one receive loop for the underlay and one per tenant port; each owns its batch and
/// scratch buffers. Tables are read without locks (frozen snapshots swapped whole, concurrent
/// dictionaries, volatile fields); per frame nothing is allocated, logged or locked on the common
/// path, and every drop is counted by reason. The directory view, look-ups and claims run on the
/// thread pool.
/// </remarks>
public sealed partial class Edge : IAsyncDisposable
{
    private readonly NvaClient _nva;
    private readonly DirectoryView _view;
    private readonly UdpUnderlay _underlay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private readonly List<Task> _tasks = [];

    private volatile PeerTable _peers = PeerTable.Empty;
    private volatile Peer? _self;

    private Edge(EdgeOptions options, NvaClient nva, UdpUnderlay underlay, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Options = options;
        _nva = nva;
        _underlay = underlay;
        _time = time;
        _logger = loggerFactory.CreateLogger<Edge>();
        _view = new DirectoryView(nva, options.Name, time, loggerFactory);
        _view.Changed += OnDirectoryChange;
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
    public DirectoryView View => _view;

    /// <summary>The clock its timers use.</summary>
    public TimeProvider Time => _time;

    /// <summary>The underlay, for captures (<see cref="UdpUnderlay.Tap"/>).</summary>
    public UdpUnderlay Underlay => _underlay;

    /// <summary>Where the agent beside it listens, as published in the directory.</summary>
    public Uri? Agent { get; private set; }

    /// <summary>Publishes in the directory where the agent beside this NVE listens (ports, migrations).</summary>
    public async Task PublishAgentAsync(Uri agent, CancellationToken cancellationToken = default)
    {
        Agent = agent;
        await _nva.RegisterNveAsync(Name, [Options.Underlay], Options.IlaLocator, Options.Lease, agent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True while its directory watch is connected.</summary>
    public bool ConnectedToNva => _view.Connected;

    /// <summary>
    /// Binds the underlay, registers with the NVA, loads the directory and starts the loops.
    /// Throws <see cref="IOException"/> when the underlay cannot be bound and
    /// <see cref="NvaException"/> when the NVA refuses or cannot be reached.
    /// </summary>
    public static async Task<Edge> StartAsync(EdgeOptions options, NvaClient nva, TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var underlay = new UdpUnderlay(options.Underlay, options.SendSockets, options.SendFromReceivePort);
        var edge = new Edge(options, nva, underlay, timeProvider ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance) { Agent = options.Agent };
        try
        {
            await nva.RegisterNveAsync(options.Name, [options.Underlay], options.IlaLocator, options.Lease, options.Agent, cancellationToken).ConfigureAwait(false);
            await edge._view.LoadAsync(cancellationToken).ConfigureAwait(false);
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

    private void StartLoops()
    {
        var token = _stop.Token;
        StartThread($"nve-{Name}-underlay", () => UnderlayLoop(_underlay.Receive, FromUnderlay, token));
        StartThread($"nve-{Name}-gpe", () => UnderlayLoop(_underlay.ReceiveGpe, FromUnderlayGpe, token));
        _tasks.Add(Task.Run(() => _view.RunAsync(token), CancellationToken.None));
        _tasks.Add(Task.Run(() => KeepAliveLoopAsync(token), CancellationToken.None));
        _tasks.Add(Task.Run(() => HousekeepingLoopAsync(token), CancellationToken.None));
    }

    private void StartThread(string name, Action loop)
    {
        var thread = new Thread(() =>
        {
            try
            {
                loop();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.LoopFailed(_logger, name, ex);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        lock (_threads)
        {
            _threads.Add(thread);
        }
        thread.Start();
    }

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromTicks(Math.Max(Options.Lease.Ticks / 3, TimeSpan.FromMilliseconds(100).Ticks));
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _nva.KeepAliveAsync(Name, cancellationToken).ConfigureAwait(false);
                }
                catch (NvaException ex) when (ex.Error == NvaError.NotFound)
                {
                    // The NVA forgot us (a memory store restarted): register again.
                    await _nva.RegisterNveAsync(Name, [Options.Underlay], Options.IlaLocator, Options.Lease, Agent, cancellationToken).ConfigureAwait(false);
                }
                catch (NvaException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Log.KeepAliveFailed(_logger, Name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (NvaException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private long Now => _time.GetTimestamp();

    private long TicksFor(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>Milliseconds between two timestamps of this NVE's clock.</summary>
    public double Milliseconds(long fromTicks, long toTicks) => (toTicks - fromTicks) * 1000.0 / _time.TimestampFrequency;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var port in _portsByKey.Values)
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
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "NVE {Name} up on {Underlay} ({Mode} mode, activation {Activation})")]
        public static partial void Started(ILogger logger, string name, UnderlayEndpoint underlay, UpdateMode mode, ActivationStrategy activation);

        [LoggerMessage(2, LogLevel.Error, "Loop {Loop} failed")]
        public static partial void LoopFailed(ILogger logger, string loop, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "NVE {Name}: keep-alive failed: {Reason}")]
        public static partial void KeepAliveFailed(ILogger logger, string name, string reason);

        [LoggerMessage(4, LogLevel.Information, "NVE {Name}: {Mac} (VNI {Vni}) activated by {Trigger}; {Flushed} held frame(s) delivered")]
        public static partial void Activated(ILogger logger, string name, MacAddress mac, uint vni, MoveTrigger trigger, int flushed);

        [LoggerMessage(5, LogLevel.Warning, "NVE {Name}: the NVA refused {Mac} (VNI {Vni}): {Reason}")]
        public static partial void ClaimRefused(ILogger logger, string name, MacAddress mac, uint vni, string reason);

        [LoggerMessage(6, LogLevel.Information, "NVE {Name}: {Mac} (VNI {Vni}) paused; packets in flight go to {Target}")]
        public static partial void Paused(ILogger logger, string name, MacAddress mac, uint vni, string target);

        [LoggerMessage(7, LogLevel.Debug, "NVE {Name}: look-up of {Mac} (VNI {Vni}) failed: {Reason}")]
        public static partial void LookupFailed(ILogger logger, string name, MacAddress mac, uint vni, string reason);

        [LoggerMessage(8, LogLevel.Information, "NVE {Name}: {Mac} (VNI {Vni}) left for {Nve}")]
        public static partial void Left(ILogger logger, string name, MacAddress mac, uint vni, string nve);
    }
}
