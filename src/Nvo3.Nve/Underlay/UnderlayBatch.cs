using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// A batch of received underlay datagrams with their senders; owned and reused by the receive
/// loop. Each datagram sits after <see cref="Headroom"/> free bytes, so a Layer-3 NVE can put an
/// Ethernet header in front of the inner IP packet in place. Its buffers are pinned, so the
/// kernel can read into them directly (recvmmsg on Linux).
/// </summary>
public sealed class UnderlayBatch : IDisposable
{
    /// <summary>The largest datagram kept.</summary>
    public const int MaxDatagram = FrameBatch.MaxFrame + FrameBatch.Headroom;

    /// <summary>
    /// How much a read may fill: one byte more than <see cref="MaxDatagram"/>, so a longer
    /// datagram (cut short by the read) shows as longer than any kept one and is dropped.
    /// </summary>
    public const int ReadLength = MaxDatagram + 1;

    /// <summary>Free bytes before each datagram.</summary>
    public const int Headroom = 16;

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
            _buffers[i] = GC.AllocateArray<byte>(Headroom + ReadLength, pinned: true);
        }
        _lengths = new int[capacity];
        _senders = new IpAddr[capacity];
        _ports = new ushort[capacity];
    }

    /// <summary>How many buffers it has.</summary>
    public int Capacity => _buffers.Length;

    /// <summary>How many datagrams it holds.</summary>
    public int Count { get; set; }

    internal Span<byte> WriteArea(int i) => _buffers[i].AsSpan(Headroom, ReadLength);

    /// <summary>The recvmmsg vectors over these buffers (Linux), made at the first read.</summary>
    internal BatchReceiver? Receiver { get; set; }

    internal void Set(int i, int length, IpAddr sender, ushort port)
    {
        _lengths[i] = length;
        _senders[i] = sender;
        _ports[i] = port;
    }

    /// <summary>Datagram <paramref name="i"/>.</summary>
    public Span<byte> Datagram(int i) => _buffers[i].AsSpan(Headroom, _lengths[i]);

    /// <summary>The whole buffer of datagram <paramref name="i"/>; the datagram starts at <see cref="Headroom"/>.</summary>
    public byte[] Buffer(int i) => _buffers[i];

    /// <summary>The length of datagram <paramref name="i"/>.</summary>
    public int Length(int i) => _lengths[i];

    /// <summary>Who sent datagram <paramref name="i"/>.</summary>
    public IpAddr Sender(int i) => _senders[i];

    /// <summary>The source port of datagram <paramref name="i"/>.</summary>
    public ushort SenderPort(int i) => _ports[i];

    /// <summary>True when datagram <paramref name="i"/> was longer than any kept (it was cut short).</summary>
    public bool IsOversized(int i) => _lengths[i] > MaxDatagram;

    /// <inheritdoc />
    public void Dispose()
    {
        Receiver?.Dispose();
        Receiver = null;
    }
}
