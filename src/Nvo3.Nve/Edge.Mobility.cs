using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

public sealed partial class Edge
{
    // QEMU's announce intervals after the first: 50 ms, growing by 100 ms.
    private static readonly TimeSpan[] s_announceGaps =
        [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(350), TimeSpan.FromMilliseconds(450)];

    private readonly Dictionary<LocalPort, (int Left, long NextTicks)> _onBehalf = [];

    // A gratuitous ARP, unsolicited NA or RARP announce from a VM. False when it was refused (a
    // claim on an address that is not the VM's own: counted, the directory untouched).
    private bool Announced(LocalPort port, MoveTrigger trigger, IpAddr? claimed)
    {
        Counters.AddAnnouncement();
        if (claimed is { IsV6LinkLocal: true })
        {
            // A kernel with ndisc_notify announces its link-local address too. The directory never
            // lists those (they are the link's, derived from the MAC): the NA announces the MAC
            // only, like a RARP, and claims no address of the directory's.
            claimed = null;
        }
        if (claimed is { } ip && !port.Owns(ip))
        {
            Counters.AddDrop(DropReason.ForeignClaim);
            return false;
        }
        switch (port.State)
        {
            case PortState.Pending when Activates(trigger):
                // Planned (Associated here): switch over now, confirm with the NVA after.
                ActivateLocally(port, trigger);
                _ = ConfirmAsync(port, trigger, claimed);
                break;
            case PortState.Learning:
                _ = ClaimAsync(port, trigger, claimed);
                break;
            default:
                break;
        }
        return true;
    }

    private bool Activates(MoveTrigger trigger) => Options.Activation switch
    {
        ActivationStrategy.Garp => trigger == MoveTrigger.Garp,
        ActivationStrategy.Na => trigger == MoveTrigger.Na,
        ActivationStrategy.Rarp => trigger == MoveTrigger.Rarp,
        _ => true,
    };

    private void ActivateLocally(LocalPort port, MoveTrigger trigger)
    {
        int flushed;
        lock (port.Gate)
        {
            if (port.State == PortState.Active)
            {
                return;
            }
            flushed = port.Flush();
            port.ActivatedTicks = Now;
            port.ActivatedBy = trigger;
            port.State = PortState.Active;
        }
        _redirects.TryRemove((port.Vni, port.Mac), out _);
        _remote.TryRemove((port.Vni, port.Mac), out _);
        Counters.AddFlushed(flushed);
        Counters.AddToTenant(flushed);
        Counters.AddActivation();
        Log.Activated(_logger, Name, port.Mac, port.Vni, trigger, flushed);
    }

    private async Task ConfirmAsync(LocalPort port, MoveTrigger trigger, IpAddr? claimed)
    {
        for (int attempt = 0; attempt < 20 && !_stop.IsCancellationRequested; attempt++)
        {
            try
            {
                await _nva.ActivateAsync(new ActivateRequest(port.Vni, port.Mac, Name, trigger, 0, claimed is { } ip ? [ip] : []), _stop.Token).ConfigureAwait(false);
                return;
            }
            catch (NvaException ex) when (ex.Error is NvaError.Unavailable or NvaError.Aborted)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * (attempt + 1)), _time, _stop.Token).ConfigureAwait(false);
            }
            catch (NvaException ex)
            {
                Counters.AddDrop(DropReason.ClaimRefused);
                Log.ClaimRefused(_logger, Name, port.Mac, port.Vni, ex.Message);
                SetLearning(port);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Unplanned: the NVA decides (sequence numbers, sticky, duplicates) before anything changes here.
    private async Task ClaimAsync(LocalPort port, MoveTrigger trigger, IpAddr? claimed)
    {
        if (!port.TryStartClaim())
        {
            return;
        }
        try
        {
            var known = _view.Bindings.GetValueOrDefault((port.Vni, port.Mac));
            long sequence = (known?.Sequence ?? 0) + 1;
            var binding = await _nva.ActivateAsync(new ActivateRequest(port.Vni, port.Mac, Name, trigger, sequence, claimed is { } ip ? [ip] : []), _stop.Token).ConfigureAwait(false);
            port.Ips = [.. binding.Ips];
            if (binding.ActiveNve == Name)
            {
                ActivateLocally(port, trigger);
            }
        }
        catch (NvaException ex)
        {
            Counters.AddDrop(DropReason.ClaimRefused);
            Log.ClaimRefused(_logger, Name, port.Mac, port.Vni, ex.Message);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            port.EndClaim();
        }
    }

    private async Task HousekeepingLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.HousekeepingInterval, _time);
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

    /// <summary>
    /// The timers: held frames past their time are dropped, expired redirects removed, and silent
    /// VMs activated and announced for. Runs every <see cref="EdgeOptions.HousekeepingInterval"/>;
    /// tests with a fake clock call it directly.
    /// </summary>
    internal void Housekeeping()
    {
        long now = Now;
        long heldCutoff = now - TicksFor(Options.ActivationBufferTimeout);
        long grace = TicksFor(Options.AnnounceGrace);
        foreach (var port in _portsByKey.Values)
        {
            if (port.State == PortState.Pending)
            {
                int expired;
                lock (port.Gate)
                {
                    expired = port.Expire(heldCutoff);
                }
                for (int i = 0; i < expired; i++)
                {
                    Counters.AddDrop(DropReason.ActivationTimeout);
                }
                if (port.ResumedTicks != 0 && now - port.ResumedTicks > grace)
                {
                    // Resumed and silent: activate and announce for it, a bounded number of times.
                    ActivateLocally(port, MoveTrigger.Immediate);
                    _ = ConfirmAsync(port, MoveTrigger.Immediate, null);
                    _onBehalf[port] = (Options.AnnounceCount, now);
                }
            }
            if (_onBehalf.TryGetValue(port, out var plan) && plan.Left > 0 && now >= plan.NextTicks)
            {
                AnnounceFor(port);
                int sent = Options.AnnounceCount - plan.Left;
                _onBehalf[port] = (plan.Left - 1, now + TicksFor(s_announceGaps[Math.Min(sent, s_announceGaps.Length - 1)]));
            }
        }
        foreach (var stale in _onBehalf.Where(kv => kv.Value.Left == 0 || !_portsByKey.ContainsKey((kv.Key.Vni, kv.Key.Mac))).Select(kv => kv.Key).ToList())
        {
            _onBehalf.Remove(stale);
        }
        foreach (var (key, redirect) in _redirects)
        {
            if (redirect.ExpiresTicks < now)
            {
                _redirects.TryRemove(new KeyValuePair<(uint, MacAddress), RedirectEntry>(key, redirect));
            }
        }
    }

    // A gratuitous ARP per IPv4 address and an unsolicited NA per IPv6 address, to the members.
    private void AnnounceFor(LocalPort port)
    {
        Span<byte> frame = stackalloc byte[128];
        foreach (var ip in port.Ips)
        {
            int n = ip.IsV4
                ? ArpWriter.WriteGratuitousFrame(frame, port.Mac, ip)
                : IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame(frame, port.Mac, ip);
            Replicate(port.Vni, port, frame[..n]);
            Counters.AddAnnouncedOnBehalf();
        }
    }
}
