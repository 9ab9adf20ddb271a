using System.Buffers;
using System.Collections.Concurrent;
using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// An underlay without sockets: NVEs created on one <see cref="MemoryUnderlayNetwork"/> send each
/// other datagrams through in-memory queues, with the sender's endpoint as the source, as a UDP
/// network would. For tests that run an NVE alone or a few NVEs in one process; it copies each
/// datagram (pooled buffers) and is not meant for speed.
/// </summary>
public sealed class MemoryUnderlay : IUnderlay
{
    private readonly MemoryUnderlayNetwork _network;
    private readonly Queue _vxlan = new();
    private readonly Queue _gpe = new();
    private volatile bool _closed;

    internal MemoryUnderlay(MemoryUnderlayNetwork network, UnderlayEndpoint local)
    {
        _network = network;
        Local = local;
    }

    /// <inheritdoc />
    public UnderlayEndpoint Local { get; }

    /// <inheritdoc />
    public Action<IpAddr, ushort, IpAddr, ushort, ReadOnlySpan<byte>>? Tap { get; set; }

    /// <inheritdoc />
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <inheritdoc />
    public long DatagramsSent => Interlocked.Read(ref _datagramsSent);

    private long _bytesSent;
    private long _datagramsSent;

    /// <summary>Datagrams sent that no endpoint of the network took (nobody there, or it was closed).</summary>
    public long Undeliverable => Interlocked.Read(ref _undeliverable);

    private long _undeliverable;

    /// <inheritdoc />
    public int Receive(UnderlayBatch batch, bool gpe)
    {
        var queue = gpe ? _gpe : _vxlan;
        try
        {
            queue.Ready.Wait();
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        // Each count stands for one item enqueued before it was released; after close, counts without items.
        int n = 0;
        do
        {
            if (!queue.Items.TryDequeue(out var item))
            {
                break;
            }
            int length = Math.Min(item.Length, UnderlayBatch.ReadLength);
            item.Buffer.AsSpan(0, length).CopyTo(batch.WriteArea(n));
            batch.Set(n, length, item.From, item.FromPort);
            ArrayPool<byte>.Shared.Return(item.Buffer);
            n++;
        }
        while (n < batch.Capacity && queue.Ready.Wait(0));
        batch.Count = n;
        return n;
    }

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> datagram, Peer to, int flowHash, bool gpe)
    {
        if (_closed)
        {
            return false;
        }
        ushort port = gpe ? UdpUnderlay.GpePortFor(to.Endpoint.Port) : to.Endpoint.Port;
        Interlocked.Add(ref _bytesSent, datagram.Length);
        Interlocked.Increment(ref _datagramsSent);
        if (!_network.Deliver(to.Endpoint, gpe, Local, datagram))
        {
            Interlocked.Increment(ref _undeliverable);
        }
        Tap?.Invoke(Local.Address, Local.Port, to.Endpoint.Address, port, datagram);
        return true; // like UDP: a datagram nobody receives is lost on the way, not refused
    }

    /// <inheritdoc />
    public ISendBatch? CreateSendBatch(int capacity) => null;

    /// <inheritdoc />
    public void BeginBatch(ISendBatch? batch)
    {
    }

    /// <inheritdoc />
    public int EndBatch() => 0;

    internal bool Enqueue(bool gpe, UnderlayEndpoint from, ReadOnlySpan<byte> datagram)
    {
        if (_closed)
        {
            return false;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(datagram.Length, 1));
        datagram.CopyTo(buffer);
        var queue = gpe ? _gpe : _vxlan;
        queue.Items.Enqueue((buffer, datagram.Length, from.Address, from.Port));
        queue.Ready.Release();
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        _network.Remove(this);
        // Wake the readers: each sees the queue closed once it is empty.
        _vxlan.Ready.Release(1 << 20);
        _gpe.Ready.Release(1 << 20);
    }

    private sealed class Queue
    {
        public ConcurrentQueue<(byte[] Buffer, int Length, IpAddr From, ushort FromPort)> Items { get; } = new();

        public SemaphoreSlim Ready { get; } = new(0);
    }
}
