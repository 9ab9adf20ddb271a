using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>A batch of received underlay datagrams with their senders; owned and reused by the receive loop.</summary>
public sealed class UnderlayBatch
{
    /// <summary>The largest datagram kept.</summary>
    public const int MaxDatagram = FrameBatch.MaxFrame + FrameBatch.Headroom;

    private readonly byte[][] _buffers;
    private readonly int[] _lengths;
    private readonly IpAddr[] _senders;
    private readonly ushort[] _ports;

    /// <summary>Creates a batch of <paramref name="capacity"/> buffers.</summary>
    public UnderlayBatch(int capacity = 64)
    {
        _buffers = new byte[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            _buffers[i] = new byte[MaxDatagram];
        }
        _lengths = new int[capacity];
        _senders = new IpAddr[capacity];
        _ports = new ushort[capacity];
    }

    /// <summary>How many buffers it has.</summary>
    public int Capacity => _buffers.Length;

    /// <summary>How many datagrams it holds.</summary>
    public int Count { get; set; }

    internal Span<byte> WriteArea(int i) => _buffers[i];

    internal void Set(int i, int length, IpAddr sender, ushort port)
    {
        _lengths[i] = length;
        _senders[i] = sender;
        _ports[i] = port;
    }

    /// <summary>Datagram <paramref name="i"/>.</summary>
    public Span<byte> Datagram(int i) => _buffers[i].AsSpan(0, _lengths[i]);

    /// <summary>Who sent datagram <paramref name="i"/>.</summary>
    public IpAddr Sender(int i) => _senders[i];

    /// <summary>The source port of datagram <paramref name="i"/>.</summary>
    public ushort SenderPort(int i) => _ports[i];
}
