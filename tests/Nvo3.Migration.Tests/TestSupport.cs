using System.Net;

namespace Nvo3.Migration.Tests;

/// <summary>Watches every copy of every workload and records the most that ever ran at once, per name.</summary>
internal sealed class PlacementMonitor
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<Workload, bool> _copies = [];

    public int MaxConcurrent { get; private set; }

    public void Watch(Workload workload)
    {
        lock (_lock)
        {
            bool running = workload.State == WorkloadState.Running;
            _copies[workload] = running;
            if (running)
            {
                Count(workload.Name, +1);
            }
        }
        workload.StateChanged += OnChanged;
    }

    public void Attach(MigrationAgent agent) => agent.WorkloadArrived += Watch;

    public int RunningCopies(string name)
    {
        lock (_lock)
        {
            return _running.GetValueOrDefault(name);
        }
    }

    private void OnChanged(Workload workload, WorkloadState state)
    {
        lock (_lock)
        {
            bool was = _copies.GetValueOrDefault(workload);
            bool now = state == WorkloadState.Running;
            _copies[workload] = now;
            if (was != now)
            {
                Count(workload.Name, now ? +1 : -1);
            }
        }
    }

    private void Count(string name, int delta)
    {
        int n = _running.GetValueOrDefault(name) + delta;
        _running[name] = n;
        MaxConcurrent = Math.Max(MaxConcurrent, n);
    }
}

/// <summary>Two agents on loopback and a monitor of where workloads run.</summary>
internal sealed class AgentPair : IAsyncDisposable
{
    private AgentPair(MigrationAgent source, MigrationAgent destination)
    {
        Source = source;
        Destination = destination;
        Monitor.Attach(source);
        Monitor.Attach(destination);
    }

    public MigrationAgent Source { get; }

    public MigrationAgent Destination { get; }

    public PlacementMonitor Monitor { get; } = new();

    public IPEndPoint DestinationEndpoint => Destination.Endpoint;

    /// <summary>Starts both agents; the source on <paramref name="sourceTime"/> when given.</summary>
    public static async Task<AgentPair> StartAsync(TimeProvider? sourceTime = null)
    {
        var source = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = "server-a" }, sourceTime);
        var destination = await MigrationAgent.StartAsync(new MigrationAgentOptions { Name = "server-b" });
        return new AgentPair(source, destination);
    }

    public Workload Host(string name, WorkloadShape shape, int seed = 7)
    {
        var workload = new Workload(name, shape);
        workload.Fill(seed);
        Monitor.Watch(workload);
        return Source.Host(workload);
    }

    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync();
        await Destination.DisposeAsync();
    }
}

/// <summary>Records the hooks' calls in order; each step can run an action (to inject a fault).</summary>
internal sealed class RecordingHooks : IMigrationHooks
{
    private readonly Lock _lock = new();
    private readonly List<string> _calls = [];

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public Func<Task>? OnPrepare { get; set; }

    public Func<Task>? OnPaused { get; set; }

    public Func<Task>? OnResumed { get; set; }

    public MigrationResult? Completed { get; private set; }

    public string? AbortReason { get; private set; }

    public async ValueTask PrepareAsync(MigrationContext migration, CancellationToken cancellationToken)
    {
        Add("Prepare");
        if (OnPrepare is not null)
        {
            await OnPrepare();
        }
    }

    public async ValueTask PausedAsync(MigrationContext migration, CancellationToken cancellationToken)
    {
        Add("Paused");
        if (OnPaused is not null)
        {
            await OnPaused();
        }
    }

    public async ValueTask ResumedAsync(MigrationContext migration, CancellationToken cancellationToken)
    {
        Add("Resumed");
        if (OnResumed is not null)
        {
            await OnResumed();
        }
    }

    public ValueTask CompletedAsync(MigrationContext migration, MigrationResult result, CancellationToken cancellationToken)
    {
        Completed = result;
        Add("Completed");
        return ValueTask.CompletedTask;
    }

    public ValueTask AbortedAsync(MigrationContext migration, string reason, CancellationToken cancellationToken)
    {
        AbortReason = reason;
        Add("Aborted");
        return ValueTask.CompletedTask;
    }

    private void Add(string call)
    {
        lock (_lock)
        {
            _calls.Add(call);
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its action on the reporting thread, at once.</summary>
internal sealed class InlineProgress<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}

internal static class Wait
{
    /// <summary>Polls until the condition holds; fails after <paramref name="seconds"/> (a bound, not a measurement).</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
            await Task.Delay(10);
        }
    }
}
