using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The NVE's counters: updated with interlocked adds on the data path (no locks, no allocation),
/// read at any time. Drops also pass the <see cref="Tap"/>, which costs one volatile read while
/// nobody traces.
/// </summary>
public sealed class NveCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private long _fromTenants;
    private long _toTenants;
    private long _encapsulated;
    private long _decapsulated;
    private long _fromTenantBytes;
    private long _toTenantBytes;
    private long _encapsulatedBytes;
    private long _decapsulatedBytes;
    private long _forwardedInFlight;
    private long _buffered;
    private long _flushed;
    private long _arpReplies;
    private long _ndReplies;
    private long _rarpReplies;
    private long _announcements;
    private long _announcedOnBehalf;
    private long _replicated;
    private long _lookups;
    private long _confirmRetries;
    private long _activations;
    private long _unreachables;

    /// <summary>Where drops can be traced (<c>nvo3 nve trace</c>).</summary>
    public DropTap Tap { get; } = new();

    internal void AddDrop(DropReason reason)
    {
        Interlocked.Increment(ref _drops[(int)reason]);
        if (Tap.Traces is { } traces)
        {
            DropTap.Offer(traces, reason, default, DropLayer.None, 0, 1, null);
        }
    }

    // A drop with the frame at hand: a trace sees its headers.
    internal void AddDrop(DropReason reason, ReadOnlySpan<byte> bytes, DropLayer layer, uint vni, IpAddr? sender = null)
    {
        Interlocked.Increment(ref _drops[(int)reason]);
        if (Tap.Traces is { } traces)
        {
            DropTap.Offer(traces, reason, bytes, layer, vni, 1, sender);
        }
    }

    internal void AddDrops(DropReason reason, int count)
    {
        Interlocked.Add(ref _drops[(int)reason], count);
        if (count > 0 && Tap.Traces is { } traces)
        {
            DropTap.Offer(traces, reason, default, DropLayer.None, 0, count, null);
        }
    }

    internal void AddFromTenant(int bytes) => Add(ref _fromTenants, ref _fromTenantBytes, 1, bytes);

    internal void AddToTenant(int bytes) => Add(ref _toTenants, ref _toTenantBytes, 1, bytes);

    /// <summary>Frames held for an activation and delivered at once.</summary>
    internal void AddToTenantFlushed(int count, long bytes) => Add(ref _toTenants, ref _toTenantBytes, count, bytes);

    internal void AddEncapsulated(int bytes) => Add(ref _encapsulated, ref _encapsulatedBytes, 1, bytes);

    internal void AddDecapsulated(int bytes) => Add(ref _decapsulated, ref _decapsulatedBytes, 1, bytes);

    // A packet count and its bytes: two interlocked adds, no lock (a reader may see one before the other).
    private static void Add(ref long packets, ref long bytes, int count, long size)
    {
        Interlocked.Add(ref packets, count);
        Interlocked.Add(ref bytes, size);
    }

    internal void AddForwardedInFlight() => Interlocked.Increment(ref _forwardedInFlight);

    internal void AddBuffered() => Interlocked.Increment(ref _buffered);

    internal void AddFlushed(int count) => Interlocked.Add(ref _flushed, count);

    internal void AddArpReply() => Interlocked.Increment(ref _arpReplies);

    internal void AddNdReply() => Interlocked.Increment(ref _ndReplies);

    internal void AddRarpReply() => Interlocked.Increment(ref _rarpReplies);

    internal void AddAnnouncement() => Interlocked.Increment(ref _announcements);

    internal void AddAnnouncedOnBehalf() => Interlocked.Increment(ref _announcedOnBehalf);

    internal void AddReplicated(int copies) => Interlocked.Add(ref _replicated, copies);

    internal void AddLookup() => Interlocked.Increment(ref _lookups);

    internal void AddConfirmRetry() => Interlocked.Increment(ref _confirmRetries);

    internal void AddActivation() => Interlocked.Increment(ref _activations);

    internal void AddUnreachable() => Interlocked.Increment(ref _unreachables);

    /// <summary>Frames dropped for <paramref name="reason"/>.</summary>
    public long Dropped(DropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    /// <summary>Frames dropped for any reason.</summary>
    public long DroppedTotal => Enum.GetValues<DropReason>().Sum(Dropped);

    /// <summary>Frames received from tenant ports.</summary>
    public long FromTenants => Interlocked.Read(ref _fromTenants);

    /// <summary>Frames delivered to tenant ports.</summary>
    public long ToTenants => Interlocked.Read(ref _toTenants);

    /// <summary>Packets sent on the underlay (replicas and redirects included).</summary>
    public long Encapsulated => Interlocked.Read(ref _encapsulated);

    /// <summary>Packets received from the underlay that passed validation.</summary>
    public long Decapsulated => Interlocked.Read(ref _decapsulated);

    /// <summary>Bytes of the frames received from tenant ports.</summary>
    public long FromTenantBytes => Interlocked.Read(ref _fromTenantBytes);

    /// <summary>Bytes of the frames delivered to tenant ports.</summary>
    public long ToTenantBytes => Interlocked.Read(ref _toTenantBytes);

    /// <summary>Bytes sent on the underlay: what each tunnel carried (the tenant's frame or packet), without the tunnel's own headers.</summary>
    public long EncapsulatedBytes => Interlocked.Read(ref _encapsulatedBytes);

    /// <summary>Bytes received from the underlay that passed validation, without the tunnel's own headers.</summary>
    public long DecapsulatedBytes => Interlocked.Read(ref _decapsulatedBytes);

    /// <summary>Packets for a VM that had left, tunnelled on to its new NVE (the draft's packets in flight).</summary>
    public long ForwardedInFlight => Interlocked.Read(ref _forwardedInFlight);

    /// <summary>Packets held for a binding about to activate here.</summary>
    public long Buffered => Interlocked.Read(ref _buffered);

    /// <summary>Held packets delivered, in order, at activation.</summary>
    public long Flushed => Interlocked.Read(ref _flushed);

    /// <summary>ARP requests answered from the directory.</summary>
    public long ArpReplies => Interlocked.Read(ref _arpReplies);

    /// <summary>Neighbor solicitations answered from the directory (DAD defences included).</summary>
    public long NdReplies => Interlocked.Read(ref _ndReplies);

    /// <summary>RARP requests answered from the NVA's by-MAC look-up.</summary>
    public long RarpReplies => Interlocked.Read(ref _rarpReplies);

    /// <summary>Gratuitous ARPs, unsolicited NAs and RARP announces seen from VMs.</summary>
    public long Announcements => Interlocked.Read(ref _announcements);

    /// <summary>Announcements the NVE sent for a VM that stayed silent.</summary>
    public long AnnouncedOnBehalf => Interlocked.Read(ref _announcedOnBehalf);

    /// <summary>Copies sent by head-end replication.</summary>
    public long Replicated => Interlocked.Read(ref _replicated);

    /// <summary>Look-ups sent to the NVA.</summary>
    public long Lookups => Interlocked.Read(ref _lookups);

    /// <summary>Confirmations of a local switchover tried again because the NVA could not be reached.</summary>
    public long ConfirmRetries => Interlocked.Read(ref _confirmRetries);

    /// <summary>Bindings activated here.</summary>
    public long Activations => Interlocked.Read(ref _activations);

    /// <summary>Destination-unreachable messages sent for stopped tasks.</summary>
    public long Unreachables => Interlocked.Read(ref _unreachables);

    /// <summary>A drop reason as counters and traces name it: unknownVni, sourceGuard, ...</summary>
    public static string DropName(DropReason reason)
    {
        string name = reason.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    /// <summary>Every counter by name, zeros left out (or kept, with <paramref name="includeZeros"/>), for reports and logs.</summary>
    public IReadOnlyDictionary<string, long> Snapshot(bool includeZeros = false)
    {
        var all = new Dictionary<string, long>
        {
            ["fromTenants"] = FromTenants,
            ["toTenants"] = ToTenants,
            ["encapsulated"] = Encapsulated,
            ["decapsulated"] = Decapsulated,
            ["forwardedInFlight"] = ForwardedInFlight,
            ["buffered"] = Buffered,
            ["flushed"] = Flushed,
            ["arpReplies"] = ArpReplies,
            ["ndReplies"] = NdReplies,
            ["rarpReplies"] = RarpReplies,
            ["announcements"] = Announcements,
            ["announcedOnBehalf"] = AnnouncedOnBehalf,
            ["replicated"] = Replicated,
            ["lookups"] = Lookups,
            ["confirmRetries"] = ConfirmRetries,
            ["activations"] = Activations,
            ["unreachables"] = Unreachables,
        };
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            all["drop." + DropName(reason)] = Dropped(reason);
        }
        return includeZeros ? all : all.Where(kv => kv.Value != 0).ToDictionary(kv => kv.Key, kv => kv.Value);
    }
}
