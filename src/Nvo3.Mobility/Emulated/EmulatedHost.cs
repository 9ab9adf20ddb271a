using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Migration;
using Nvo3.Nva;
using Nvo3.Mobility.Agent;
using Nvo3.Nva.Client;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Mobility.Emulated;

/// <summary>
/// What a server runs beside its NVE when its VMs are emulated: the VMs (network stack, memory,
/// disk), the migration agent that moves their state, and their arrivals from other hosts. The
/// in-process lab runs one per NVE; <c>nvo3 nve run --vm …</c> runs one in its process, and
/// <c>nvo3 migrate</c> moves its VMs through <see cref="MigrateAsync"/>.
/// </summary>
public sealed partial class EmulatedHost : IArrivals, IAsyncDisposable
{
    private readonly NvaClient _nva;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, HostedVm> _vms = new();
    private readonly ConcurrentDictionary<string, MemoryPort> _arrivals = new();
    private readonly CancellationTokenSource _stop = new();

    private EmulatedHost(Edge edge, NvaClient nva, MigrationAgent agent, ILoggerFactory loggerFactory)
    {
        Edge = edge;
        _nva = nva;
        Agent = agent;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<EmulatedHost>();
    }

    /// <summary>The NVE.</summary>
    public Edge Edge { get; }

    /// <summary>The migration agent.</summary>
    public MigrationAgent Agent { get; }

    /// <summary>The VMs running here.</summary>
    public IReadOnlyCollection<HostedVm> Vms => (IReadOnlyCollection<HostedVm>)_vms.Values;

    /// <summary>The VM named <paramref name="name"/>, if it runs here.</summary>
    public HostedVm? Find(string name) => _vms.GetValueOrDefault(name);

    /// <summary>Starts the migration agent on <paramref name="listen"/> (TCP) beside <paramref name="edge"/>.</summary>
    public static async Task<EmulatedHost> StartAsync(Edge edge, NvaClient nva, IPEndPoint listen, ILoggerFactory? loggerFactory = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var agent = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = edge.Name, Listen = listen }, loggerFactory: loggerFactory).ConfigureAwait(false);
        return new EmulatedHost(edge, nva, agent, loggerFactory);
    }

    /// <summary>
    /// Boots a VM here: binds it in the NVA (Activated at this NVE), wires it to the NVE, and —
    /// with a <paramref name="shape"/> — fills its memory and disk and dirties them at
    /// <paramref name="dirtying"/>'s rates. Without one it is a network stack only (a
    /// correspondent), which cannot move.
    /// </summary>
    public async Task<HostedVm> StartVmAsync(string name, uint vni, MacAddress mac, IReadOnlyList<IpAddr> ips, WorkloadShape? shape, DirtierSettings? dirtying,
        Announcement announce = Announcement.Garp | Announcement.Na, CancellationToken cancellationToken = default)
    {
        await _nva.AttachAsync(new AttachRequest(vni, mac, ips, Edge.Name, name), cancellationToken).ConfigureAwait(false);
        await Poll.UntilAsync(() => Edge.View.Bindings.TryGetValue((vni, mac), out var b) && b.ActiveNve == Edge.Name, $"{Edge.Name} to see {name}", cancellationToken).ConfigureAwait(false);
        var vm = new EmulatedVm(name, mac, First(ips, v6: false), First(ips, v6: true), announce);
        var (nveSide, vmSide) = MemoryPort.CreatePair($"{name}@{Edge.Name}");
        Edge.AttachPort(nveSide, vni, mac);
        vm.Start(vmSide);
        Workload? workload = null;
        if (shape is not null)
        {
            workload = new Workload(name, shape);
            workload.Fill(seed: name.GetHashCode(StringComparison.Ordinal));
            Agent.Host(workload);
        }
        var hosted = new HostedVm(vm, workload, vni, workload is null || dirtying is null ? null : new Dirtier(workload, dirtying, loggerFactory: _loggerFactory));
        _vms[name] = hosted;
        return hosted;
    }

    /// <summary>
    /// Moves <paramref name="name"/> to the NVE <paramref name="destination"/> of another process
    /// (hot, cold, or warm: protect with checkpoints, then fail over), its agent found in the
    /// directory. The old port here goes once its redirect has run out.
    /// </summary>
    public async Task<MoveReport> MigrateAsync(string name, string destination, MigrationMode mode, EmulatedMoveSettings settings,
        IProgress<MigrationProgress>? progress, CancellationToken cancellationToken = default)
    {
        var vm = _vms.GetValueOrDefault(name) ?? throw new NvaException(NvaError.NotFound, $"No VM named '{name}' runs at {Edge.Name}.");
        if (vm.Workload is null)
        {
            throw new NvaException(NvaError.FailedPrecondition, $"'{name}' has no state to move (it was started without memory).");
        }
        var target = (await _nva.ListNvesAsync(cancellationToken).ConfigureAwait(false)).Select(n => n.Nve).FirstOrDefault(n => n.Name == destination)
            ?? throw new NvaException(NvaError.NotFound, $"Unknown NVE '{destination}'.");
        if (target.Agent is not { } agentAddress)
        {
            throw new NvaException(NvaError.NotFound, $"NVE '{destination}' runs no agent (start it with --agent-listen).");
        }
        using var remote = new RemoteAgent(new Uri(agentAddress));
        var request = new MoveRequest(name, vm.Vni, vm.Mac, [.. vm.Vm.Addresses], mode);
        var move = new Move(_nva, request, new EdgeControl(Edge), new AgentControl(destination, remote.Ports), logger: _logger);
        var report = await move.RunAsync(new EmulatedDriver(this, remote.Arrivals, settings), progress, cancellationToken).ConfigureAwait(false);
        if (report.Outcome == MigrationOutcome.Completed)
        {
            Left(vm, move);
        }
        return report;
    }

    /// <inheritdoc />
    public Task<EndPoint> PrepareAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        if (Edge.GetPort(arrival.Vni, arrival.Mac) is { State: not PortState.Active } left)
        {
            // It comes back before the port it left here was released: that port goes now.
            Edge.DetachPort(left);
        }
        var (nveSide, vmSide) = MemoryPort.CreatePair($"{arrival.Workload}@{Edge.Name}");
        if (!_arrivals.TryAdd(arrival.Workload, vmSide))
        {
            throw new NvaException(NvaError.FailedPrecondition, $"'{arrival.Workload}' is already arriving at {Edge.Name}.");
        }
        Edge.AttachPort(nveSide, arrival.Vni, arrival.Mac);
        return Task.FromResult<EndPoint>(Agent.Endpoint);
    }

    /// <inheritdoc />
    public Task ArriveAsync(Arrival arrival, HostedVm? moving, CancellationToken cancellationToken)
    {
        if (!_arrivals.TryRemove(arrival.Workload, out var wire))
        {
            throw new NvaException(NvaError.NotFound, $"'{arrival.Workload}' was not prepared to arrive at {Edge.Name}.");
        }
        var workload = Agent.Find(arrival.Workload);
        if (workload is null && moving?.Workload is not null)
        {
            throw new NvaException(NvaError.FailedPrecondition, $"The state of '{arrival.Workload}' has not arrived at {Edge.Name}.");
        }
        HostedVm hosted;
        if (moving is not null)
        {
            // In this process the very VM goes on running here, its queued frames and probe log with it.
            moving.Vm.Resume(wire);
            hosted = moving with
            {
                Workload = workload,
                Dirtier = workload is null || moving.Dirtier is null ? null : new Dirtier(workload, moving.Dirtier.Settings, loggerFactory: _loggerFactory),
            };
        }
        else
        {
            if (workload is null)
            {
                throw new NvaException(NvaError.FailedPrecondition, $"The state of '{arrival.Workload}' has not arrived at {Edge.Name}.");
            }
            var vm = new EmulatedVm(arrival.Workload, arrival.Mac, First(arrival.Ips, v6: false), First(arrival.Ips, v6: true), Announcement.Garp | Announcement.Na);
            vm.Start(wire); // boots on the prepared wire and announces itself
            hosted = new HostedVm(vm, workload, arrival.Vni, new Dirtier(workload, new DirtierSettings(), loggerFactory: _loggerFactory));
        }
        _vms[arrival.Workload] = hosted;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CancelAsync(Arrival arrival, CancellationToken cancellationToken)
    {
        if (_arrivals.TryRemove(arrival.Workload, out var wire))
        {
            wire.Close();
            Edge.DetachPort(arrival.Vni, arrival.Mac);
        }
        return Task.CompletedTask;
    }

    /// <summary>The VM left for good (the move committed): it stops here, and its old port goes once the redirect has run out.</summary>
    internal void Left(HostedVm vm, Move move)
    {
        if (!_vms.TryRemove(new KeyValuePair<string, HostedVm>(vm.Name, vm)))
        {
            return; // it arrived back here already
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await move.ReleaseAsync(TimeSpan.FromMinutes(5), _stop.Token).ConfigureAwait(false);
                if (vm.Dirtier is not null)
                {
                    await vm.Dirtier.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or IOException)
            {
                Log.ReleaseSkipped(_logger, vm.Name, ex.Message);
            }
        });
    }

    private static IpAddr? First(IReadOnlyList<IpAddr> ips, bool v6)
    {
        foreach (var ip in ips)
        {
            if (ip.IsV6 == v6)
            {
                return ip;
            }
        }
        return null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var vm in _vms.Values)
        {
            vm.Vm.Dispose();
            if (vm.Dirtier is not null)
            {
                await vm.Dirtier.DisposeAsync().ConfigureAwait(false);
            }
        }
        await Agent.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The old port of {Vm} stays attached: {Reason}")]
        public static partial void ReleaseSkipped(ILogger logger, string vm, string reason);
    }
}
