using System.Collections.Concurrent;
using Nvo3.Nve;
using Nvo3.Packets;

namespace Nvo3.Mobility.Emulated;

/// <summary>
/// An emulated VM: one interface with a MAC, an IPv4 and/or IPv6 address, and a small network
/// stack (ARP and ND caches with timeouts, ICMP echo, UDP) that behaves as the draft asks of a VM
/// after a move: it announces itself with gratuitous ARP, unsolicited NA or RARP. It receives
/// probes into a <see cref="ProbeLog"/> and can send them.
/// </summary>
/// <remarks>
/// Pausing stops its receive loop; frames already queued on its interface are kept, as a real
/// VM's receive ring moves with its memory, and processed when it resumes at the destination.
/// </remarks>
public sealed partial class EmulatedVm : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<IpAddr, (MacAddress Mac, long ExpiresTicks)> _neighbors = new();
    private readonly ConcurrentDictionary<IpAddr, Resolution> _resolving = new();
    private readonly List<byte[]> _carried = [];
    private MemoryPort? _port;
    private Thread? _receiver;
    private CancellationTokenSource? _running;
    private volatile VmState _state = VmState.Stopped;

    /// <summary>Creates a VM; it does nothing until <see cref="Start"/>.</summary>
    public EmulatedVm(string name, MacAddress mac, IpAddr? ipv4, IpAddr? ipv6, Announcement announce, TimeProvider? timeProvider = null)
    {
        Name = name;
        Mac = mac;
        IPv4 = ipv4;
        IPv6 = ipv6;
        Announce = announce;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Its name.</summary>
    public string Name { get; }

    /// <summary>Its MAC.</summary>
    public MacAddress Mac { get; }

    /// <summary>Its IPv4 address, if any.</summary>
    public IpAddr? IPv4 { get; }

    /// <summary>Its IPv6 address, if any.</summary>
    public IpAddr? IPv6 { get; }

    /// <summary>How it announces itself on start and resume.</summary>
    public Announcement Announce { get; }

    /// <summary>The VM end of the wire it runs on now.</summary>
    public MemoryPort? Wire => _port;

    /// <summary>Running, paused or stopped.</summary>
    public VmState State => _state;

    /// <summary>Probes received.</summary>
    public ProbeLog Probes { get; } = new();

    /// <summary>How long neighbor entries live (Linux's base reachable time is 30 s; 60 s here).</summary>
    public TimeSpan NeighborLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The address a RARP reply gave it, if one came.</summary>
    public IpAddr? RarpAnswer { get; private set; }

    /// <summary>Echo replies received.</summary>
    public long EchoReplies => Interlocked.Read(ref _echoReplies);

    /// <summary>ICMP destination-unreachable messages received.</summary>
    public long Unreachables => Interlocked.Read(ref _unreachables);

    /// <summary>ICMP time-exceeded messages received (a router would not forward its packet).</summary>
    public long TimeExceeded => Interlocked.Read(ref _timeExceeded);

    /// <summary>The TTL or hop limit of the last IP packet it received (what the routers on the way left of it).</summary>
    public byte LastHopLimit => _lastHopLimit;

    /// <summary>Frames it could not send (no neighbor answer, or its port full).</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    private long _echoReplies;
    private long _unreachables;
    private long _timeExceeded;
    private volatile byte _lastHopLimit;
    private long _sendFailures;

    /// <summary>Its neighbour cache now: the MAC it would send each address to.</summary>
    public IReadOnlyDictionary<IpAddr, MacAddress> Neighbors => _neighbors.ToDictionary(kv => kv.Key, kv => kv.Value.Mac);

    /// <summary>All its addresses.</summary>
    public IEnumerable<IpAddr> Addresses => new[] { IPv4, IPv6 }.OfType<IpAddr>();

    /// <summary>Boots on <paramref name="port"/> (the VM end of a wire) and announces itself.</summary>
    public void Start(MemoryPort port) => Run(port);

    /// <summary>Freezes it: no frame is processed or sent until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        if (_state != VmState.Running)
        {
            return;
        }
        _state = VmState.Paused;
        StopReceiver();
        // What its NIC already holds travels with it.
        _port?.Drain(frame => _carried.Add(frame.ToArray()));
    }

    /// <summary>Resumes on <paramref name="port"/> (the same wire, or one at the destination) and announces itself.</summary>
    public void Resume(MemoryPort port)
    {
        if (_state != VmState.Paused)
        {
            throw new InvalidOperationException($"VM {Name} is {_state}, not paused.");
        }
        Run(port);
    }

    /// <summary>Stops it for good (a cold move's source, or the end of a lab).</summary>
    public void Stop()
    {
        _state = VmState.Stopped;
        StopReceiver();
    }

    private void Run(MemoryPort port)
    {
        if (_port is { } old && !ReferenceEquals(old, port))
        {
            // A frame its old NVE handed over just as it paused is in its memory too.
            old.Drain(frame => _carried.Add(frame.ToArray()));
        }
        _port = port;
        _state = VmState.Running;
        foreach (var frame in _carried)
        {
            Receive(frame);
        }
        _carried.Clear();
        _running = new CancellationTokenSource();
        var token = _running.Token;
        _receiver = new Thread(() => ReceiveLoop(port, token)) { IsBackground = true, Name = $"vm-{Name}" };
        _receiver.Start();
        AnnounceSelf();
    }

    private void StopReceiver()
    {
        _running?.Cancel();
        _receiver?.Join(TimeSpan.FromSeconds(2));
        _running?.Dispose();
        _running = null;
        _receiver = null;
    }

    private void ReceiveLoop(MemoryPort port, CancellationToken cancellationToken)
    {
        var batch = new FrameBatch(32);
        while (!cancellationToken.IsCancellationRequested)
        {
            int n;
            try
            {
                n = port.Receive(batch, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (n == 0)
            {
                return;
            }
            for (int i = 0; i < n; i++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Paused mid-batch: the rest travels with it.
                    _carried.Add(batch.Frame(i).ToArray());
                    continue;
                }
                Receive(batch.Frame(i));
            }
        }
    }

    /// <summary>Sends its announcements now (what <see cref="Start"/> and <see cref="Resume"/> do).</summary>
    public void AnnounceSelf()
    {
        Span<byte> frame = stackalloc byte[128];
        if (Announce.HasFlag(Announcement.Garp) && IPv4 is { } v4)
        {
            Transmit(frame[..ArpWriter.WriteGratuitousFrame(frame, Mac, v4)]);
        }
        if (Announce.HasFlag(Announcement.Na) && IPv6 is { } v6)
        {
            Transmit(frame[..IcmpV6Writer.WriteUnsolicitedNeighborAdvertisementFrame(frame, Mac, v6)]);
        }
        if (Announce.HasFlag(Announcement.Rarp))
        {
            Transmit(frame[..ArpWriter.WriteRarpAnnounceFrame(frame, Mac)]);
        }
    }

    private long Now => _time.GetTimestamp();

    private void Transmit(ReadOnlySpan<byte> frame)
    {
        if (_state != VmState.Running || _port is not { } port || !port.Send(frame))
        {
            Interlocked.Increment(ref _sendFailures);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    private sealed class Resolution
    {
        public List<byte[]> Waiting { get; } = [];

        public long AskedTicks { get; set; }
    }
}
