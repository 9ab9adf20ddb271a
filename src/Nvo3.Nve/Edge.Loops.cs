using Microsoft.Extensions.Logging;
using Nvo3.Hosting;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    private void StartLoops()
    {
        var token = _stop.Token;
        StartThread($"nve-{Name}-underlay", (sv, ct) => UnderlayLoop(VxlanEthernet.Instance, sv, ct), token);
        StartThread($"nve-{Name}-gpe", (sv, ct) => UnderlayLoop(GpeIp.Instance, sv, ct), token);
        _tasks.Add(Task.Run(() => Supervisor("view").RunAsync(View.RunAsync, token), CancellationToken.None));
        var keepAlive = Supervisor("keep-alive");
        _tasks.Add(Task.Run(() => keepAlive.RunAsync(ct => KeepAliveLoopAsync(keepAlive, ct), token), CancellationToken.None));
        var housekeeping = Supervisor("housekeeping");
        _tasks.Add(Task.Run(() => housekeeping.RunAsync(ct => HousekeepingLoopAsync(housekeeping, ct), token), CancellationToken.None));
    }

    /// <summary>
    /// Failures of the NVE's loops (underlay, ports, view, keep-alive, housekeeping) since it
    /// started: each was restarted after a back-off, and each burst logged once.
    /// </summary>
    public long LoopFailures => Interlocked.Read(ref _loopFailures);

    // Every loop runs under a supervisor: an unexpected exception (or a return nobody asked for)
    // restarts it after a back-off on the edge's clock; it never stops silently.
    private SupervisedLoop Supervisor(string loop)
    {
        var supervisor = new SupervisedLoop($"NVE {Name} {loop}", Time, _logger);
        supervisor.BackingOff += _ =>
        {
            Interlocked.Increment(ref _loopFailures);
            LoopBackingOff?.Invoke();
        };
        return supervisor;
    }

    /// <summary>Raised when a loop failed and its back-off began (tests with a fake clock advance it from here).</summary>
    internal event Action? LoopBackingOff;

    private void StartThread(string name, Func<SupervisedLoop, CancellationToken, bool> loop, CancellationToken cancellationToken)
    {
        var supervisor = Supervisor(name);
        var thread = new Thread(() => supervisor.Run(ct => loop(supervisor, ct), cancellationToken))
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

    // One loop per underlay socket: a batch at a time, each datagram through the pipeline on this
    // thread, and what that sends (redirects) leaves together at the end of the batch. True when
    // the underlay closed.
    private bool UnderlayLoop(Encapsulation encapsulation, SupervisedLoop supervisor, CancellationToken cancellationToken)
    {
        using var batch = new UnderlayBatch(Options.BatchSize);
        using var sends = _underlay.CreateSendBatch(Options.BatchSize);
        while (!cancellationToken.IsCancellationRequested)
        {
            int n = _underlay.Receive(batch, encapsulation.Gpe);
            if (n == 0)
            {
                return true; // the underlay closed
            }
            _underlay.BeginBatch(sends);
            try
            {
                for (int i = 0; i < n; i++)
                {
                    _fromUnderlay.FromUnderlay(batch, i, encapsulation);
                }
            }
            finally
            {
                EndSends();
            }
            supervisor.Healthy();
        }
        return true;
    }

    // One loop per tenant port: its batch goes through the pipeline on this thread, and what a batch
    // sends to the underlay leaves together (sendmmsg). True when the port closed or was detached.
    private bool PortLoop(LocalPort local, SupervisedLoop supervisor, CancellationToken cancellationToken)
    {
        var batch = new FrameBatch(Options.BatchSize);
        var scratch = new byte[FrameBatch.Headroom + FrameBatch.MaxFrame];
        using var sends = _underlay.CreateSendBatch(Options.BatchSize);
        while (!cancellationToken.IsCancellationRequested)
        {
            int n;
            try
            {
                n = local.Port.Receive(batch, cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return true;
            }
            if (n == 0)
            {
                return true; // the port closed
            }
            _underlay.BeginBatch(sends);
            try
            {
                for (int i = 0; i < n; i++)
                {
                    _tenant.FromTenant(local, batch, i, scratch);
                }
            }
            finally
            {
                EndSends();
            }
            supervisor.Healthy();
        }
        return true;
    }

    // Sends what this thread gathered for the underlay since BeginBatch; counts what the kernel refused.
    private void EndSends()
    {
        int refused = _underlay.EndBatch();
        if (refused > 0)
        {
            Counters.AddDrops(DropReason.SendFailed, refused);
        }
    }

    private async Task KeepAliveLoopAsync(SupervisedLoop keepAlive, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromTicks(Math.Max(Options.Lease.Ticks / 3, TimeSpan.FromMilliseconds(100).Ticks));
        using var timer = new PeriodicTimer(interval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _nva.KeepAliveAsync(Name, cancellationToken).ConfigureAwait(false);
                    keepAlive.Healthy();
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
        catch (Exception ex) when (ex is OperationCanceledException or NvaException && cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task HousekeepingLoopAsync(SupervisedLoop supervisor, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.HousekeepingInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Housekeeping();
                supervisor.Healthy();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "NVE {Name} up on {Underlay} ({Mode} mode, activation {Activation})")]
        public static partial void Started(ILogger logger, string name, UnderlayEndpoint underlay, UpdateMode mode, ActivationStrategy activation);

        [LoggerMessage(3, LogLevel.Warning, "NVE {Name}: keep-alive failed: {Reason}")]
        public static partial void KeepAliveFailed(ILogger logger, string name, string reason);

        [LoggerMessage(6, LogLevel.Information, "NVE {Name}: {Mac} (VNI {Vni}) paused; packets in flight go to {Target}")]
        public static partial void Paused(ILogger logger, string name, MacAddress mac, uint vni, string target);
    }
}
