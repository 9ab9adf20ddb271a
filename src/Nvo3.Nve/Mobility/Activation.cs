using Microsoft.Extensions.Logging;
using Nvo3.Nva;
using Nvo3.Nva.Client;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The RFC 8394 states of the ports as the data path applies them, and what moves them: a VM's
/// announcement (gratuitous ARP, unsolicited NA, RARP) activates a port that waits for it (a
/// planned arrival, confirmed with the NVA after) or claims the binding through the NVA (an
/// unplanned move); a resumed VM that stays silent is activated and announced for; the NVA's
/// placements move ports between Learning, Pending and Active. Held frames are flushed in order
/// at activation and dropped past their time.
/// </summary>
internal sealed partial class Activation(
    string name,
    IDirectoryClient nva,
    DirectoryView view,
    PortTable ports,
    RedirectTable redirects,
    RemoteResolver resolver,
    Forwarder forwarder,
    Func<ForwardingTables> tables,
    EdgeClock clock,
    NveCounters counters,
    EdgeOptions options,
    ILogger logger,
    CancellationToken stop)
{
    // QEMU's announce intervals after the first: 50 ms, growing by 100 ms.
    private static readonly TimeSpan[] s_announceGaps =
        [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(350), TimeSpan.FromMilliseconds(450)];

    // Announcements still to send for silent VMs; the housekeeping alone reads and writes it.
    private readonly Dictionary<LocalPort, (int Left, long NextTicks)> _onBehalf = [];

    /// <summary>
    /// A VM announced itself. False when it was refused (a claim on an address that is not its
    /// own: counted, the directory untouched).
    /// </summary>
    public bool Announced(LocalPort port, MoveTrigger trigger, IpAddr? claimed)
    {
        counters.AddAnnouncement();
        if (claimed is { IsV6LinkLocal: true })
        {
            // A kernel with ndisc_notify announces its link-local address too. The directory never
            // lists those (they are the link's, derived from the MAC): the NA announces the MAC
            // only, like a RARP, and claims no address of the directory's.
            claimed = null;
        }
        if (claimed is { } ip && !port.Owns(ip))
        {
            counters.AddDrop(DropReason.ForeignClaim);
            return false;
        }
        switch (port.State)
        {
            case PortState.Pending when Activates(trigger):
                // Planned (Associated here): switch over now, confirm with the NVA after.
                port.Unconfirmed = true;
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

    private bool Activates(MoveTrigger trigger) => options.Activation switch
    {
        ActivationStrategy.Garp => trigger == MoveTrigger.Garp,
        ActivationStrategy.Na => trigger == MoveTrigger.Na,
        ActivationStrategy.Rarp => trigger == MoveTrigger.Rarp,
        _ => true,
    };

    /// <summary>The workload resumed here (step 5): with strategy immediate it activates now, else on its first announcement or after the grace.</summary>
    public void Resumed(LocalPort port)
    {
        port.ResumedTicks = clock.Now;
        if (options.Activation == ActivationStrategy.Immediate && port.State != PortState.Active)
        {
            Announced(port, MoveTrigger.Immediate, null);
        }
    }

    /// <summary>Activates the port here at once: held frames go out in order, the redirect and the remote entry for it end.</summary>
    public void ActivateLocally(LocalPort port, MoveTrigger trigger)
    {
        int flushed;
        long flushedBytes;
        lock (port.Gate)
        {
            if (port.State == PortState.Active)
            {
                return;
            }
            flushed = port.Flush(out flushedBytes);
            port.ActivatedTicks = clock.Now;
            port.ActivatedBy = trigger;
            port.State = PortState.Active;
        }
        redirects.End(port.Vni, port.Mac);
        resolver.Forget(port.Vni, port.Mac);
        counters.AddFlushed(flushed);
        counters.AddToTenantFlushed(flushed, flushedBytes);
        counters.AddActivation();
        Log.Activated(logger, name, port.Mac, port.Vni, trigger, flushed);
    }

    /// <summary>Back to Learning (no placement here that forwards): what it held is dropped.</summary>
    public void SetLearning(LocalPort port)
    {
        lock (port.Gate)
        {
            counters.AddDrops(DropReason.NotHere, port.Discard());
            port.State = PortState.Learning;
        }
    }

    /// <summary>The directory's record of the binding, applied to its port here (RFC 8394 states).</summary>
    public void ApplyPlacement(LocalPort port, Binding binding)
    {
        lock (port.Gate)
        {
            // The attach and the watch may both apply; never an older record after a newer one.
            if (binding.Updated < port.AppliedUpdate)
            {
                return;
            }
            port.AppliedUpdate = binding.Updated;
        }
        port.Ips = [.. binding.Ips];
        var here = binding.At(name);
        if (here?.State == PlacementState.Activated)
        {
            if (port.State is PortState.Learning or PortState.Pending)
            {
                ActivateLocally(port, binding.LastTrigger);
            }
            return;
        }
        if (binding.ActiveNve is { } elsewhere && port.State == PortState.Active)
        {
            if (port.Unconfirmed && here?.State == PlacementState.Associated)
            {
                return; // our switchover, not yet confirmed (the NVA may be away): the confirmation decides
            }
            // It is active at another NVE now: what is still here is not it (or it left unplanned).
            Log.Left(logger, name, port.Mac, port.Vni, elsewhere);
            SetLearning(port);
            return;
        }
        if (here?.State == PlacementState.Associated && port.State == PortState.Learning)
        {
            lock (port.Gate)
            {
                if (port.State == PortState.Learning)
                {
                    port.State = PortState.Pending;
                }
            }
            return;
        }
        if (here is null && port.State == PortState.Pending)
        {
            SetLearning(port); // the migration that placed it here was aborted
        }
    }

    // Confirms a switchover made here with the NVA. While the NVA cannot be reached it keeps
    // trying (back-off up to 2 s on the edge's clock), so a move activated while the NVA was away
    // is confirmed when it returns, never dropped; a refusal (the move was given up meanwhile)
    // sends the port back to Learning.
    private async Task ConfirmAsync(LocalPort port, MoveTrigger trigger, IpAddr? claimed)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested && port.Unconfirmed && ports.Get(port.Vni, port.Mac) == port)
        {
            try
            {
                await nva.ActivateAsync(new ActivateRequest(port.Vni, port.Mac, name, trigger, 0, claimed is { } ip ? [ip] : []), stop).ConfigureAwait(false);
                port.Unconfirmed = false;
                return;
            }
            catch (NvaException ex) when (ex.Error is NvaError.Unavailable or NvaError.Aborted)
            {
                counters.AddConfirmRetry();
                try
                {
                    await Task.Delay(delay, clock.Time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
            catch (NvaException ex)
            {
                port.Unconfirmed = false;
                counters.AddDrop(DropReason.ClaimRefused);
                Log.ClaimRefused(logger, name, port.Mac, port.Vni, ex.Message);
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
            var known = view.Bindings.GetValueOrDefault((port.Vni, port.Mac));
            long sequence = (known?.Sequence ?? 0) + 1;
            var binding = await nva.ActivateAsync(new ActivateRequest(port.Vni, port.Mac, name, trigger, sequence, claimed is { } ip ? [ip] : []), stop).ConfigureAwait(false);
            port.Ips = [.. binding.Ips];
            if (binding.ActiveNve == name)
            {
                ActivateLocally(port, trigger);
            }
        }
        catch (NvaException ex)
        {
            counters.AddDrop(DropReason.ClaimRefused);
            Log.ClaimRefused(logger, name, port.Mac, port.Vni, ex.Message);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            port.EndClaim();
        }
    }

    /// <summary>
    /// The activation timers: held frames past their time are dropped, and a resumed VM that stayed
    /// silent past the grace is activated and (in a Layer-2 network) announced for, a bounded number
    /// of times at QEMU's growing intervals. The caller serialises calls.
    /// </summary>
    public void Housekeeping()
    {
        long now = clock.Now;
        long heldCutoff = now - clock.TicksFor(options.ActivationBufferTimeout);
        long grace = clock.TicksFor(options.AnnounceGrace);
        foreach (var port in ports.All)
        {
            if (port.State == PortState.Pending)
            {
                int expired;
                lock (port.Gate)
                {
                    expired = port.Expire(heldCutoff);
                }
                counters.AddDrops(DropReason.ActivationTimeout, expired);
                if (port.ResumedTicks != 0 && now - port.ResumedTicks > grace)
                {
                    port.Unconfirmed = true;
                    ActivateLocally(port, MoveTrigger.Immediate);
                    _ = ConfirmAsync(port, MoveTrigger.Immediate, null);
                    _onBehalf[port] = (options.AnnounceCount, now);
                }
            }
            if (_onBehalf.TryGetValue(port, out var plan) && plan.Left > 0 && now >= plan.NextTicks)
            {
                AnnounceFor(port);
                int sent = options.AnnounceCount - plan.Left;
                _onBehalf[port] = (plan.Left - 1, now + clock.TicksFor(s_announceGaps[Math.Min(sent, s_announceGaps.Length - 1)]));
            }
        }
        foreach (var stale in _onBehalf.Where(kv => kv.Value.Left == 0 || ports.Get(kv.Key.Vni, kv.Key.Mac) != kv.Key).Select(kv => kv.Key).ToList())
        {
            _onBehalf.Remove(stale);
        }
    }

    // A gratuitous ARP per IPv4 address and an unsolicited NA per IPv6 address, to the members. Not
    // in a Layer-3 network: its VMs know every address at the gateway's MAC, and a VM's own MAC in
    // an announcement would replace the gateway in their neighbour caches.
    private void AnnounceFor(LocalPort port)
    {
        if (tables().Network(port.Vni) is not { Layer3: false } network)
        {
            return;
        }
        Span<byte> frame = stackalloc byte[128];
        foreach (var ip in port.Ips)
        {
            int n = ip.IsV4
                ? ArpWriter.WriteGratuitousFrame(frame, port.Mac, ip)
                : IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame(frame, port.Mac, ip);
            forwarder.Replicate(network, port, frame[..n]);
            counters.AddAnnouncedOnBehalf();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4, LogLevel.Information, "NVE {Name}: {Mac} (VNI {Vni}) activated by {Trigger}; {Flushed} held frame(s) delivered")]
        public static partial void Activated(ILogger logger, string name, MacAddress mac, uint vni, MoveTrigger trigger, int flushed);

        [LoggerMessage(5, LogLevel.Warning, "NVE {Name}: the NVA refused {Mac} (VNI {Vni}): {Reason}")]
        public static partial void ClaimRefused(ILogger logger, string name, MacAddress mac, uint vni, string reason);

        [LoggerMessage(8, LogLevel.Information, "NVE {Name}: {Mac} (VNI {Vni}) left for {Nve}")]
        public static partial void Left(ILogger logger, string name, MacAddress mac, uint vni, string nve);
    }
}
