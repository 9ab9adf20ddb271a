using System.Collections.Concurrent;
using System.Net;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Migration;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Nve;
using Nvo3.Packets;
using P = Nvo3.Protocol.Agent.V1;

namespace Nvo3.Lab;

/// <summary>
/// What a server runs beside its NVE when its VMs are emulated: the VMs (network stack, memory,
/// disk), the migration agent that moves their state, and the moves themselves across processes.
/// <c>nvo3 nve run --vm …</c> hosts one; <c>nvo3 migrate</c> asks the source's to move a VM, and
/// the source's asks the destination's (through the agent gRPC service) to prepare, start and
/// cancel arrivals.
/// </summary>
public sealed partial class EmulatedHost : IAsyncDisposable
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

    /// <summary>Starts the migration agent on <paramref name="listen"/> (TCP) beside <paramref name="edge"/>.</summary>
    public static async Task<EmulatedHost> StartAsync(Edge edge, NvaClient nva, IPEndPoint listen, ILoggerFactory? loggerFactory = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var agent = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = edge.Name, Listen = listen }, loggerFactory: loggerFactory).ConfigureAwait(false);
        return new EmulatedHost(edge, nva, agent, loggerFactory);
    }

    /// <summary>
    /// Boots a VM here: binds it in the NVA (Activated at this NVE), wires it to the NVE, fills its
    /// memory and disk and starts dirtying them.
    /// </summary>
    public async Task<HostedVm> StartVmAsync(string name, uint vni, MacAddress mac, IReadOnlyList<IpAddr> ips, WorkloadShape shape, DirtierSettings? dirtying,
        CancellationToken cancellationToken = default)
    {
        await _nva.AttachAsync(new AttachRequest(vni, mac, ips, Edge.Name, name), cancellationToken).ConfigureAwait(false);
        await InProcessLab.WaitForAsync(() => Edge.View.Bindings.TryGetValue((vni, mac), out var b) && b.ActiveNve == Edge.Name, $"{Edge.Name} to see {name}", cancellationToken).ConfigureAwait(false);
        var vm = new EmulatedVm(name, mac, First(ips, v6: false), First(ips, v6: true), Announcement.Garp | Announcement.Na);
        var (nveSide, vmSide) = MemoryPort.CreatePair($"{name}@{Edge.Name}");
        Edge.AttachPort(nveSide, vni, mac);
        vm.Start(vmSide);
        var workload = new Workload(name, shape);
        workload.Fill(seed: name.GetHashCode(StringComparison.Ordinal));
        Agent.Host(workload);
        var hosted = new HostedVm(vm, workload, vni, dirtying is null ? null : new Dirtier(workload, dirtying, loggerFactory: _loggerFactory));
        _vms[name] = hosted;
        return hosted;
    }

    /// <summary>
    /// Moves <paramref name="name"/> to the NVE <paramref name="destination"/> (hot, cold, or warm:
    /// protect with checkpoints, then fail over), driving the NVA, this NVE and the destination's
    /// agent through the move.
    /// </summary>
    public async Task<(MigrationResult Result, string MigrationId)> MigrateAsync(string name, string destination, MigrationMode mode, PreCopySettings settings,
        IProgress<MigrationProgress>? progress, CancellationToken cancellationToken = default)
    {
        var vm = _vms.GetValueOrDefault(name) ?? throw new NvaException(NvaError.NotFound, $"No VM named '{name}' runs at {Edge.Name}.");
        var target = (await _nva.ListNvesAsync(cancellationToken).ConfigureAwait(false)).Select(n => n.Nve).FirstOrDefault(n => n.Name == destination)
            ?? throw new NvaException(NvaError.NotFound, $"Unknown NVE '{destination}'.");
        if (target.Agent is not { } agentAddress)
        {
            throw new NvaException(NvaError.NotFound, $"NVE '{destination}' runs no agent (start it with --agent-listen).");
        }
        using var channel = GrpcChannel.ForAddress(agentAddress);
        var peer = new P.Migrations.MigrationsClient(channel);
        var binding = Edge.View.Bindings.GetValueOrDefault((vm.Vni, vm.Mac))
            ?? throw new NvaException(NvaError.NotFound, $"The directory has no binding for '{name}'.");

        // Steps 1–2: the NVA records the move, the destination pre-associates and wires a port.
        var migration = await _nva.BeginMigrationAsync(new BeginMigrationRequest(name, 0, default, destination, mode), cancellationToken).ConfigureAwait(false);
        var arrival = new P.Arrival { Workload = name, Vni = vm.Vni, Mac = vm.Mac.ToString(), MigrationId = migration.Id };
        arrival.Ips.AddRange(binding.Ips.Select(ip => ip.ToString()));
        string endpointText;
        try
        {
            endpointText = (await peer.PrepareArrivalAsync(arrival, cancellationToken: cancellationToken).ConfigureAwait(false)).MigrationEndpoint;
            await InProcessLab.WaitForAsync(() => Edge.View.Redirects.ContainsKey((vm.Vni, vm.Mac, Edge.Name)), $"{Edge.Name} to learn where {name} goes", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await _nva.AbortMigrationAsync(migration.Id, $"the destination could not prepare: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        var endpoint = IPEndPoint.Parse(endpointText);
        var hooks = new RemoteMoveHooks(this, vm, peer, arrival, migration.Id, mode == MigrationMode.Cold ? SuspendPolicy.Drop : null);
        MigrationResult result = mode switch
        {
            MigrationMode.Cold => await Agent.MigrateColdAsync(vm.Workload, endpoint, settings, hooks, progress, cancellationToken).ConfigureAwait(false),
            MigrationMode.Warm => await WarmAsync(vm.Workload, endpoint, settings, hooks, progress, cancellationToken).ConfigureAwait(false),
            _ => await Agent.MigrateHotAsync(vm.Workload, endpoint, settings, hooks, progress, cancellationToken).ConfigureAwait(false),
        };
        return (result, migration.Id);
    }

    private async Task<MigrationResult> WarmAsync(Workload workload, IPEndPoint endpoint, PreCopySettings settings, IMigrationHooks hooks, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        var warm = new WarmStandbySettings
        {
            MaxBandwidth = settings.MaxBandwidth,
            DowntimeLimit = settings.DowntimeLimit,
            MaxRounds = settings.MaxRounds,
            AutoConverge = settings.AutoConverge,
            CheckpointInterval = TimeSpan.FromMilliseconds(200),
        };
        await using var standby = await Agent.ProtectWarmAsync(workload, endpoint, warm, hooks, progress, cancellationToken).ConfigureAwait(false);
        await Task.Delay(warm.CheckpointInterval * 3, cancellationToken).ConfigureAwait(false);
        return await standby.FailoverAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Destination side: wires a port for the arriving VM and returns where the migration engine listens.</summary>
    public async Task<string> PrepareArrivalAsync(P.Arrival arrival, CancellationToken cancellationToken)
    {
        var mac = Arguments.ParseMac(arrival.Mac);
        if (Edge.GetPort(arrival.Vni, mac) is { State: not PortState.Active } left)
        {
            // It comes back before the port it left here was cleaned up: that port goes now.
            Edge.DetachPort(left);
        }
        var (nveSide, vmSide) = MemoryPort.CreatePair($"{arrival.Workload}@{Edge.Name}");
        if (!_arrivals.TryAdd(arrival.Workload, vmSide))
        {
            throw new NvaException(NvaError.FailedPrecondition, $"'{arrival.Workload}' is already arriving at {Edge.Name}.");
        }
        var port = Edge.AttachPort(nveSide, arrival.Vni, mac);
        await InProcessLab.WaitForAsync(() => port.State == PortState.Pending, $"{Edge.Name} to pre-associate {arrival.Workload}", cancellationToken).ConfigureAwait(false);
        return Agent.Endpoint.ToString();
    }

    /// <summary>Destination side: the workload's state is here and it runs; starts its network side and waits for the activation.</summary>
    public async Task ArriveAsync(P.Arrival arrival, CancellationToken cancellationToken)
    {
        if (!_arrivals.TryRemove(arrival.Workload, out var wire))
        {
            throw new NvaException(NvaError.NotFound, $"'{arrival.Workload}' was not prepared to arrive at {Edge.Name}.");
        }
        var mac = Arguments.ParseMac(arrival.Mac);
        var ips = arrival.Ips.Select(ip => Arguments.ParseIp(ip)).ToList();
        var workload = Agent.Find(arrival.Workload)
            ?? throw new NvaException(NvaError.FailedPrecondition, $"The state of '{arrival.Workload}' has not arrived at {Edge.Name}.");
        var vm = new EmulatedVm(arrival.Workload, mac, First(ips, v6: false), First(ips, v6: true), Announcement.Garp | Announcement.Na);
        vm.Start(wire); // boots on the prepared wire and announces itself
        Edge.ResumePort(arrival.Vni, mac);
        var port = Edge.GetPort(arrival.Vni, mac)!;
        await InProcessLab.WaitForAsync(() => port.State == PortState.Active, $"{Edge.Name} to activate {arrival.Workload}", cancellationToken).ConfigureAwait(false);
        _vms[arrival.Workload] = new HostedVm(vm, workload, arrival.Vni, new Dirtier(workload, new DirtierSettings(), loggerFactory: _loggerFactory));
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

    /// <summary>Destination side: forgets an arrival that will not come.</summary>
    public void CancelArrival(P.Arrival arrival)
    {
        if (_arrivals.TryRemove(arrival.Workload, out _))
        {
            Edge.DetachPort(arrival.Vni, Arguments.ParseMac(arrival.Mac));
        }
    }

    // Source side, after the move: the old port goes once its redirect has run out.
    private void Left(HostedVm vm)
    {
        _vms.TryRemove(vm.Name, out _);
        vm.Vm.Stop();
        var port = Edge.GetPort(vm.Vni, vm.Mac);
        _ = Task.Run(async () =>
        {
            try
            {
                await InProcessLab.WaitForAsync(() => Edge.GetRedirect(vm.Vni, vm.Mac) is null, "the redirect to expire", _stop.Token, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                if (port is not null)
                {
                    Edge.DetachPort(port);
                }
                if (vm.Dirtier is not null)
                {
                    await vm.Dirtier.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
            {
                Log.CleanUpSkipped(_logger, vm.Name, ex.Message);
            }
        });
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
        public static partial void CleanUpSkipped(ILogger logger, string vm, string reason);
    }

    // The network side of a move across processes, called by the migration engine at each step.
    private sealed class RemoteMoveHooks(EmulatedHost host, HostedVm vm, P.Migrations.MigrationsClient destination, P.Arrival arrival, string migrationId, SuspendPolicy? suspend)
        : IMigrationHooks
    {
        private Task? _recorded;

        public ValueTask PrepareAsync(MigrationContext migration, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask PausedAsync(MigrationContext migration, CancellationToken cancellationToken)
        {
            if (suspend is { } policy)
            {
                host.Edge.SuspendPort(vm.Vni, vm.Mac, policy);
            }
            else
            {
                host.Edge.PausePort(vm.Vni, vm.Mac);
                _recorded = host._nva.PauseMigrationAsync(migrationId, CancellationToken.None);
            }
            vm.Vm.Pause();
            return ValueTask.CompletedTask;
        }

        public async ValueTask ResumedAsync(MigrationContext migration, CancellationToken cancellationToken)
        {
            await destination.ArriveAsync(arrival, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_recorded is not null)
            {
                await _recorded.ConfigureAwait(false);
            }
            host.Left(vm);
        }

        public async ValueTask CompletedAsync(MigrationContext migration, MigrationResult result, CancellationToken cancellationToken)
        {
            await InProcessLab.WaitForAsync(() => host.Edge.View.Bindings.TryGetValue((vm.Vni, vm.Mac), out var b) && b.ActiveNve != host.Edge.Name,
                "the NVA to record the activation", cancellationToken).ConfigureAwait(false);
            await host._nva.CommitMigrationAsync(migrationId, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask AbortedAsync(MigrationContext migration, string reason, CancellationToken cancellationToken)
        {
            try
            {
                await host._nva.AbortMigrationAsync(migrationId, reason, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                host.Edge.ReactivatePort(vm.Vni, vm.Mac);
                if (vm.Vm.State == VmState.Paused && vm.Vm.Wire is { } wire)
                {
                    vm.Vm.Resume(wire);
                }
                try
                {
                    await destination.CancelArrivalAsync(arrival, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Grpc.Core.RpcException)
                {
                    // The destination is gone; nothing of it to undo.
                }
            }
        }
    }
}
