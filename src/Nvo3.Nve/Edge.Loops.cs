using Microsoft.Extensions.Logging;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    private void StartLoops()
    {
        var token = _stop.Token;
        StartThread($"nve-{Name}-underlay", () => UnderlayLoop(VxlanEthernet.Instance, token));
        StartThread($"nve-{Name}-gpe", () => UnderlayLoop(GpeIp.Instance, token));
        _tasks.Add(Task.Run(() => View.RunAsync(token), CancellationToken.None));
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

    // One loop per underlay socket: a batch at a time, each datagram through the pipeline on this
    // thread, and what that sends (redirects) leaves together at the end of the batch.
    private void UnderlayLoop(Encapsulation encapsulation, CancellationToken cancellationToken)
    {
        using var batch = new UnderlayBatch(Options.BatchSize);
        using var sends = _underlay.CreateSendBatch(Options.BatchSize);
        while (!cancellationToken.IsCancellationRequested)
        {
            int n = _underlay.Receive(batch, encapsulation.Gpe);
            if (n == 0)
            {
                return; // the underlay closed
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
        }
    }

    // One loop per tenant port: its batch goes through the pipeline on this thread, and what a batch
    // sends to the underlay leaves together (sendmmsg).
    private void PortLoop(LocalPort local, CancellationToken cancellationToken)
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
                return;
            }
            if (n == 0)
            {
                return; // the port closed
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
        }
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

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
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

    private async Task HousekeepingLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.HousekeepingInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    Housekeeping();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.LoopFailed(_logger, "housekeeping", ex);
                }
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

        [LoggerMessage(2, LogLevel.Error, "Loop {Loop} failed")]
        public static partial void LoopFailed(ILogger logger, string loop, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "NVE {Name}: keep-alive failed: {Reason}")]
        public static partial void KeepAliveFailed(ILogger logger, string name, string reason);

        [LoggerMessage(6, LogLevel.Information, "NVE {Name}: {Mac} (VNI {Vni}) paused; packets in flight go to {Target}")]
        public static partial void Paused(ILogger logger, string name, MacAddress mac, uint vni, string target);
    }
}
