using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// Where the NVE's drops can be watched (<c>nvo3 nve trace</c>). The data path pays one volatile
/// read per drop while nobody traces; while traces are attached each drop is copied (its reason
/// and first <see cref="DroppedFrame.Capture"/> bytes) into every trace's bounded queue, never
/// waiting. At most <see cref="MaxTraces"/> traces at once.
/// </summary>
public sealed class DropTap
{
    /// <summary>How many traces may be attached at once.</summary>
    public const int MaxTraces = 4;

    private readonly Lock _gate = new();
    private DropTrace[]? _traces; // null while nobody traces: the one read the drop path pays

    /// <summary>True while a trace is attached.</summary>
    public bool Active => Volatile.Read(ref _traces) is not null;

    /// <summary>
    /// Attaches a trace that queues at most <paramref name="capacity"/> drops. Throws
    /// <see cref="InvalidOperationException"/> when <see cref="MaxTraces"/> are attached already.
    /// </summary>
    public DropTrace Attach(int capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var trace = new DropTrace(this, capacity, time);
        lock (_gate)
        {
            var current = _traces ?? [];
            if (current.Length >= MaxTraces)
            {
                throw new InvalidOperationException($"{MaxTraces} traces run on this NVE already; end one first.");
            }
            Volatile.Write(ref _traces, [.. current, trace]);
        }
        return trace;
    }

    internal void Detach(DropTrace trace)
    {
        lock (_gate)
        {
            var rest = (_traces ?? []).Where(t => !ReferenceEquals(t, trace)).ToArray();
            Volatile.Write(ref _traces, rest.Length == 0 ? null : rest);
        }
    }

    /// <summary>The attached traces, or null (one volatile read: what the drop path pays when nobody traces).</summary>
    internal DropTrace[]? Traces => Volatile.Read(ref _traces);

    // Off the common path: only while a trace runs.
    internal static void Offer(DropTrace[] traces, DropReason reason, ReadOnlySpan<byte> bytes, DropLayer layer, uint vni, int count, IpAddr? sender)
    {
        var frame = new DroppedFrame
        {
            Reason = reason,
            Layer = bytes.IsEmpty ? DropLayer.None : layer,
            Vni = vni,
            Length = bytes.Length,
            Count = count,
            UtcTicks = traces[0].Time.GetUtcNow().UtcTicks,
            Sender = sender ?? default,
            HasSender = sender is not null,
        };
        int captured = Math.Min(bytes.Length, DroppedFrame.Capture);
        bytes[..captured].CopyTo(frame.Bytes);
        frame.Captured = captured;
        foreach (var trace in traces)
        {
            trace.Offer(frame);
        }
    }
}
