using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Migration.Transfer;
using Nvo3.Security;

namespace Nvo3.Migration;

/// <summary>
/// The migration agent of one server: it hosts workloads, listens for incoming migrations on
/// TCP (instantiating or updating workloads from what it receives), and moves its own workloads
/// to other agents hot or cold, or protects them with a warm or hot standby. The lab, the tests
/// and the benchmark host agents in-process through this type.
/// </summary>
/// <remarks>
/// A workload runs in exactly one place at any instant: a destination runs an incoming copy only
/// when the source's activation arrives, which the source sends only once it has paused for good
/// (<see cref="Workload.Resume"/> refuses at the source from then on). Disposing the agent is
/// what a stopped server looks like: the listener closes, every connection resets, and every
/// workload here (running, incoming or standby) stops.
/// </remarks>
public sealed partial class MigrationAgent : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Workload> _hosted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IncomingSession> _standbys = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, MigrationStatus> _statuses = [];
    private readonly Queue<Guid> _statusOrder = new();
    private readonly ConcurrentDictionary<MigrationConnection, byte> _connections = new();
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private int _disposed;

    private MigrationAgent(MigrationAgentOptions options, Socket listener, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Options = options;
        _listener = listener;
        Time = time;
        LoggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<MigrationAgent>();
        Endpoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = Task.Run(() => AcceptAsync(_stop.Token));
    }

    /// <summary>The agent's name.</summary>
    public string Name => Options.Name;

    /// <summary>Its settings.</summary>
    public MigrationAgentOptions Options { get; }

    /// <summary>Where it listens, with the actual port.</summary>
    public IPEndPoint Endpoint { get; }

    internal TimeProvider Time { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal FaultPoints Faults { get; } = new();

    /// <summary>Raised when an incoming copy is created, before any state arrives and long before it may run.</summary>
    public event Action<Workload>? WorkloadArrived;

    /// <summary>
    /// Starts an agent listening on <see cref="MigrationAgentOptions.Listen"/>. Throws
    /// <see cref="ArgumentException"/> for an authorizer without TLS (it would have no identity to judge).
    /// </summary>
    public static Task<MigrationAgent> StartAsync(MigrationAgentOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name);
        ArgumentNullException.ThrowIfNull(options.Security);
        if (options.Authorize is not null && options.Security.Mode != TransportSecurityMode.MutualTls)
        {
            throw new ArgumentException("An authorizer judges the identity a source proves in TLS: give the agent TLS material (TransportSecurity.MutualTls).", nameof(options));
        }
        var listener = new Socket(options.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(options.Listen);
            listener.Listen(64);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new IOException($"The migration agent '{options.Name}' cannot listen on {options.Listen}: {ex.Message}", ex);
        }
        var agent = new MigrationAgent(options, listener, timeProvider ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance);
        LogStarted(agent._logger, agent.Name, agent.Endpoint, options.Security);
        if (options.Security.Mode == TransportSecurityMode.Insecure)
        {
            LogInsecure(agent._logger, agent.Name);
        }
        return Task.FromResult(agent);
    }

    /// <summary>The workloads that run (or are paused) here, standbys excluded.</summary>
    public IReadOnlyList<Workload> Workloads
    {
        get
        {
            lock (_lock)
            {
                return [.. _hosted.Values];
            }
        }
    }

    /// <summary>The standby copies held here (warm or hot standby), by workload name.</summary>
    public IReadOnlyList<Workload> Standbys
    {
        get
        {
            lock (_lock)
            {
                return [.. _standbys.Values.Select(s => s.Image)];
            }
        }
    }

    /// <summary>Adds a workload that runs here. Throws when one of that name is already here.</summary>
    public Workload Host(Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_lock)
        {
            if (!_hosted.TryAdd(workload.Name, workload))
            {
                throw new InvalidOperationException($"The agent '{Name}' already hosts a workload named '{workload.Name}'.");
            }
        }
        return workload;
    }

    /// <summary>The hosted workload of that name, or null.</summary>
    public Workload? Find(string name)
    {
        lock (_lock)
        {
            return _hosted.GetValueOrDefault(name);
        }
    }

    /// <summary>Stops a hosted workload and forgets it (its memory is freed). False when none of that name is here.</summary>
    public bool Retire(string name)
    {
        Workload? workload;
        lock (_lock)
        {
            if (!_hosted.Remove(name, out workload))
            {
                return false;
            }
        }
        workload.Stop();
        return true;
    }

    /// <summary>What this agent knows of migration <paramref name="id"/> as a destination.</summary>
    public MigrationStatus StatusOf(Guid id)
    {
        lock (_lock)
        {
            return _statuses.GetValueOrDefault(id, MigrationStatus.Unknown);
        }
    }

    /// <summary>
    /// Unplanned failover: runs the standby copy of <paramref name="workload"/> from the last
    /// state it holds (warm: the last complete checkpoint; hot standby: the last applied write
    /// batch) and cuts it loose from its primary. Call it only when the primary is known to be
    /// gone (the NVA decides that); a planned failover goes through the primary instead.
    /// </summary>
    public Workload ActivateStandby(string workload)
    {
        IncomingSession? session;
        lock (_lock)
        {
            _standbys.TryGetValue(workload, out session);
        }
        if (session is null)
        {
            throw new InvalidOperationException($"The agent '{Name}' holds no standby of '{workload}'.");
        }
        session.ActivateLocally();
        return session.Image;
    }

    /// <summary>
    /// Resets every migration connection of this agent, incoming and outgoing, as a network
    /// failure would. For tests and drills; the agent keeps running and listening.
    /// </summary>
    public void DropConnections()
    {
        foreach (var connection in _connections.Keys)
        {
            connection.Abort();
        }
    }

    internal void Track(MigrationConnection connection) => _connections.TryAdd(connection, 0);

    internal void Untrack(MigrationConnection connection) => _connections.TryRemove(connection, out _);

    internal void Release(Workload workload)
    {
        lock (_lock)
        {
            if (_hosted.TryGetValue(workload.Name, out var hosted) && ReferenceEquals(hosted, workload))
            {
                _hosted.Remove(workload.Name);
            }
        }
    }

    internal void EnsureHosted(Workload workload)
    {
        lock (_lock)
        {
            if (!_hosted.TryGetValue(workload.Name, out var hosted) || !ReferenceEquals(hosted, workload))
            {
                throw new InvalidOperationException($"The workload '{workload.Name}' is not hosted by the agent '{Name}': call Host first.");
            }
        }
    }

    internal void OnArrived(Workload workload) => WorkloadArrived?.Invoke(workload);

    internal void SetStatus(Guid id, MigrationStatus status)
    {
        lock (_lock)
        {
            if (!_statuses.ContainsKey(id))
            {
                _statusOrder.Enqueue(id);
                while (_statusOrder.Count > Options.StatusHistory)
                {
                    _statuses.Remove(_statusOrder.Dequeue());
                }
            }
            _statuses[id] = status;
        }
    }

    internal void AddStandby(IncomingSession session)
    {
        lock (_lock)
        {
            _standbys[session.Image.Name] = session;
        }
    }

    /// <summary>An incoming copy now runs here: it moves from the standbys (if it was one) to the hosted workloads.</summary>
    internal void Adopt(IncomingSession session)
    {
        lock (_lock)
        {
            if (_standbys.TryGetValue(session.Image.Name, out var standby) && ReferenceEquals(standby, session))
            {
                _standbys.Remove(session.Image.Name);
            }
            _hosted[session.Image.Name] = session.Image;
        }
    }

    internal void RemoveStandby(IncomingSession session)
    {
        lock (_lock)
        {
            if (_standbys.TryGetValue(session.Image.Name, out var standby) && ReferenceEquals(standby, session))
            {
                _standbys.Remove(session.Image.Name);
            }
        }
    }

    /// <summary>Stops the agent as a server stops: closes the listener, resets every connection, stops every workload here.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        DropConnections();
        await Task.WhenAll(_sessions.Keys).ConfigureAwait(false);
        List<Workload> all;
        lock (_lock)
        {
            all = [.. _hosted.Values, .. _standbys.Values.Select(s => s.Image)];
            _hosted.Clear();
            _standbys.Clear();
        }
        foreach (var workload in all)
        {
            workload.Stop();
        }
        _stop.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "Migration agent {Agent} listening on {Endpoint} ({Security})")]
    private static partial void LogStarted(ILogger logger, string agent, IPEndPoint endpoint, TransportSecurity security);

    [LoggerMessage(2, LogLevel.Error, "Migration agent {Agent} stopped accepting connections")]
    private static partial void LogAcceptFailed(ILogger logger, string agent, Exception exception);

    [LoggerMessage(3, LogLevel.Information, "{Mode} move of {Workload} to {Destination}: {Outcome} ({Reason})")]
    private static partial void LogMoveEnded(ILogger logger, MigrationMode mode, string workload, string destination, MigrationOutcome outcome, string? reason);

    [LoggerMessage(5, LogLevel.Warning, "Migration agent {Agent} sends and receives plain text (--insecure): workload state crosses the network unencrypted, and any peer can offer or receive a workload")]
    private static partial void LogInsecure(ILogger logger, string agent);
}
