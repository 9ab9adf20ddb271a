using System.Buffers;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// A tenant interface attached to this NVE: its port, its binding, its state, and the activation
/// buffer that holds traffic for it while it is about to activate. The state is read without a
/// lock on the data path; changes to and from <see cref="PortState.Pending"/> take
/// <see cref="Gate"/> so that no buffered frame is overtaken by a later one.
/// </summary>
public sealed class LocalPort
{
    private readonly Queue<(byte[] Frame, int Length, long Ticks)> _held = new();
    private volatile PortState _state;
    private volatile IpAddr[] _ips;

    internal LocalPort(ITenantPort port, uint vni, MacAddress mac, IpAddr[] ips, PortState state)
    {
        Port = port;
        Vni = vni;
        Mac = mac;
        _ips = ips;
        _state = state;
    }

    /// <summary>The tenant port.</summary>
    public ITenantPort Port { get; }

    /// <summary>Its network.</summary>
    public uint Vni { get; }

    /// <summary>Its MAC.</summary>
    public MacAddress Mac { get; }

    /// <summary>Its addresses, as the directory binds them.</summary>
    public IpAddr[] Ips
    {
        get => _ips;
        internal set => _ips = value;
    }

    /// <summary>Its state here.</summary>
    public PortState State
    {
        get => _state;
        internal set => _state = value;
    }

    /// <summary>What happens to traffic for it while <see cref="PortState.Suspended"/>.</summary>
    public SuspendPolicy SuspendPolicy { get; internal set; }

    /// <summary>When it was activated here (timestamp ticks), 0 before.</summary>
    public long ActivatedTicks { get; internal set; }

    /// <summary>What activated it.</summary>
    public Nva.MoveTrigger? ActivatedBy { get; internal set; }

    /// <summary>When its workload resumed here (timestamp ticks), 0 before.</summary>
    public long ResumedTicks { get; internal set; }

    private int _claiming;

    /// <summary>
    /// Activated here by its announcement before the NVA confirmed it (a planned move's
    /// switchover, which never waits for the NVA): the directory's "active elsewhere" does not
    /// take it back while the confirmation is being retried.
    /// </summary>
    internal volatile bool Unconfirmed;

    /// <summary>When the directory record last applied to this port was written (the NVA's clock).</summary>
    internal DateTimeOffset AppliedUpdate { get; set; }

    internal bool TryStartClaim() => Interlocked.CompareExchange(ref _claiming, 1, 0) == 0;

    internal void EndClaim() => Volatile.Write(ref _claiming, 0);

    /// <summary>Guards the activation buffer and the transitions out of <see cref="PortState.Pending"/>.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>Frames held now.</summary>
    public int HeldCount
    {
        get
        {
            lock (Gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>True when <paramref name="ip"/> is one of its addresses.</summary>
    public bool Owns(IpAddr ip)
    {
        foreach (var own in _ips)
        {
            if (own == ip)
            {
                return true;
            }
        }
        return false;
    }

    // Under Gate. False when the buffer is full.
    internal bool Hold(ReadOnlySpan<byte> frame, long ticks, int limit)
    {
        if (_held.Count >= limit)
        {
            return false;
        }
        var copy = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(copy);
        _held.Enqueue((copy, frame.Length, ticks));
        return true;
    }

    // Under Gate: hands every held frame to the port, oldest first; returns how many, and their bytes.
    internal int Flush(out long bytes)
    {
        int n = 0;
        bytes = 0;
        while (_held.TryDequeue(out var item))
        {
            Port.Send(item.Frame.AsSpan(0, item.Length));
            bytes += item.Length;
            ArrayPool<byte>.Shared.Return(item.Frame);
            n++;
        }
        return n;
    }

    // Under Gate: discards held frames older than the cutoff; returns how many.
    internal int Expire(long cutoffTicks)
    {
        int n = 0;
        while (_held.TryPeek(out var item) && item.Ticks < cutoffTicks)
        {
            _held.Dequeue();
            ArrayPool<byte>.Shared.Return(item.Frame);
            n++;
        }
        return n;
    }

    // Under Gate: discards everything; returns how many.
    internal int Discard() => Expire(long.MaxValue);

    /// <inheritdoc />
    public override string ToString() => $"{Port.Name} {Mac} VNI {Vni} {State}";
}
