using System.Diagnostics.Metrics;

namespace Nvo3.Nve;

/// <summary>
/// One NVE's instruments on its own <see cref="Meter"/> named <see cref="MeterName"/>, every
/// measurement tagged <c>nve</c> = its name, so that one process with several NVEs (the demo's lab)
/// keeps them apart. The counters are observable: they read <see cref="NveCounters"/> (interlocked
/// adds on the data path) when a listener collects, so the data path does nothing more per packet.
/// Only the look-up latency is recorded as it happens, once per look-up. Disposing ends the
/// instruments (a listener forgets their series).
/// </summary>
internal sealed class NveMetrics : IDisposable
{
    /// <summary>The name of every NVE's meter.</summary>
    public const string MeterName = "Nvo3.Nve";

    private static readonly DropReason[] s_reasons = Enum.GetValues<DropReason>();
    private static readonly string[] s_reasonNames = [.. s_reasons.Select(r => SnakeCase(r.ToString()))];
    private static readonly PortState[] s_states = Enum.GetValues<PortState>();
    private static readonly string[] s_stateNames = [.. s_states.Select(s => SnakeCase(s.ToString()))];

    private readonly Meter _meter = new(MeterName);
    private readonly KeyValuePair<string, object?> _nve;
    private readonly Histogram<double> _lookupDuration;

    public NveMetrics(string name, NveCounters counters, PortTable ports, RedirectTable redirects, RemoteResolver resolver, Nva.Client.DirectoryView view)
    {
        _nve = new("nve", name);
        var c = counters;
        _meter.CreateObservableCounter("nvo3.nve.packets", () => Directions(c.FromTenants, c.ToTenants, c.Encapsulated, c.Decapsulated), "{packet}",
            "Packets by direction: from_tenants (read from tenant ports), to_tenants (delivered to them), to_underlay (sent tunnelled), from_underlay (received tunnelled and valid).");
        _meter.CreateObservableCounter("nvo3.nve.bytes", () => Directions(c.FromTenantBytes, c.ToTenantBytes, c.EncapsulatedBytes, c.DecapsulatedBytes), "By",
            "Bytes by direction, as nvo3_nve_packets_total; on the underlay what the tunnel carried, without its own headers.");
        _meter.CreateObservableCounter("nvo3.nve.drops", () => Drops(c), "{packet}", "Frames and packets dropped, by reason (one per DropReason).");
        Counter("nvo3.nve.forwarded_in_flight", () => c.ForwardedInFlight, "Packets for a VM that had left, tunnelled on to its new NVE by the redirect.");
        Counter("nvo3.nve.buffered", () => c.Buffered, "Packets held for a binding about to activate here.");
        Counter("nvo3.nve.flushed", () => c.Flushed, "Held packets delivered, in order, at activation.");
        Counter("nvo3.nve.activations", () => c.Activations, "Bindings activated here (a VM arrived).");
        Counter("nvo3.nve.lookups", () => c.Lookups, "Look-ups sent to the NVA (misses, pull-mode refreshes, RARP).");
        Counter("nvo3.nve.replicated", () => c.Replicated, "Copies sent by head-end replication.");
        Counter("nvo3.nve.announcements", () => c.Announcements, "Gratuitous ARPs, unsolicited NAs and RARP announces seen from VMs.");
        Counter("nvo3.nve.announced_on_behalf", () => c.AnnouncedOnBehalf, "Announcements the NVE sent for a VM that stayed silent.");
        Counter("nvo3.nve.confirm_retries", () => c.ConfirmRetries, "Confirmations of a local switchover tried again because the NVA could not be reached.");
        Counter("nvo3.nve.unreachables", () => c.Unreachables, "Destination-unreachable messages sent for stopped tasks.");
        _meter.CreateObservableCounter("nvo3.nve.neighbor_replies", () => new[]
        {
            Tagged(c.ArpReplies, "protocol", "arp"), Tagged(c.NdReplies, "protocol", "nd"), Tagged(c.RarpReplies, "protocol", "rarp"),
        }, "{reply}", "ARP, Neighbor Discovery and RARP requests answered from the directory.");
        Gauge("nvo3.nve.remote_entries", () => resolver.Count, "Remote bindings in the cache (where to tunnel).");
        Gauge("nvo3.nve.pending_lookups", () => resolver.PendingCount, "Look-ups waiting on the NVA, with packets queued behind them.");
        Gauge("nvo3.nve.redirects", () => redirects.Count, "Redirects running here: bindings that left, whose packets in flight are tunnelled on.");
        _meter.CreateObservableGauge("nvo3.nve.ports", () => Ports(ports), "{port}", "Tenant ports attached here, by state.");
        Gauge("nvo3.nve.directory.revision", () => view.Revision, "The directory revision this NVE's view has applied (compare nvo3_nva_revision for its lag).");
        Gauge("nvo3.nve.watch.connected", () => view.Connected ? 1 : 0, "1 while the NVE's directory watch is connected to the NVA.");
        Counter("nvo3.nve.watch.resyncs", () => Math.Max(0, view.Loads - 1), "Times the NVE reloaded the whole directory after its watch fell behind or reconnected.");
        _lookupDuration = _meter.CreateHistogram("nvo3.nve.lookup.duration", "s", "How long the NVA took to answer a look-up, by outcome (found, not_found, failed).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
    }

    /// <summary>Records one look-up's time (once per look-up, never per packet).</summary>
    public void RecordLookup(TimeSpan elapsed, string outcome) =>
        _lookupDuration.Record(elapsed.TotalSeconds, _nve, new KeyValuePair<string, object?>("outcome", outcome));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private void Counter(string name, Func<long> read, string description) =>
        _meter.CreateObservableCounter(name, () => new Measurement<long>(read(), _nve), "{packet}", description);

    private void Gauge(string name, Func<long> read, string description) =>
        _meter.CreateObservableGauge(name, () => new Measurement<long>(read(), _nve), null, description);

    private Measurement<long>[] Directions(long fromTenants, long toTenants, long toUnderlay, long fromUnderlay) =>
    [
        Tagged(fromTenants, "direction", "from_tenants"), Tagged(toTenants, "direction", "to_tenants"),
        Tagged(toUnderlay, "direction", "to_underlay"), Tagged(fromUnderlay, "direction", "from_underlay"),
    ];

    private Measurement<long>[] Drops(NveCounters counters)
    {
        var all = new Measurement<long>[s_reasons.Length];
        for (int i = 0; i < s_reasons.Length; i++)
        {
            all[i] = Tagged(counters.Dropped(s_reasons[i]), "reason", s_reasonNames[i]);
        }
        return all;
    }

    private Measurement<long>[] Ports(PortTable ports)
    {
        var counts = new long[s_states.Length];
        foreach (var port in ports.All)
        {
            counts[Array.IndexOf(s_states, port.State)]++;
        }
        var all = new Measurement<long>[s_states.Length];
        for (int i = 0; i < s_states.Length; i++)
        {
            all[i] = Tagged(counts[i], "state", s_stateNames[i]);
        }
        return all;
    }

    private Measurement<long> Tagged(long value, string key, string tag) => new(value, _nve, new KeyValuePair<string, object?>(key, tag));

    /// <summary>ActivationBufferFull → activation_buffer_full: Prometheus label values in the field's usual spelling.</summary>
    internal static string SnakeCase(string name) =>
        string.Concat(name.Select((ch, i) => char.IsUpper(ch) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(ch) : ch.ToString()));
}
