using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve.Tests;

/// <summary>An underlay whose next VXLAN receive throws once when told to: a bug in the receive path, as the NVE's loop meets it.</summary>
internal sealed class FailingUnderlay(IUnderlay inner) : IUnderlay
{
    private int _fail;

    public void FailNextReceive() => Volatile.Write(ref _fail, 1);

    public UnderlayEndpoint Local => inner.Local;

    public long BytesSent => inner.BytesSent;

    public long DatagramsSent => inner.DatagramsSent;

    public Action<IpAddr, ushort, IpAddr, ushort, ReadOnlySpan<byte>>? Tap
    {
        get => inner.Tap;
        set => inner.Tap = value;
    }

    public int Receive(UnderlayBatch batch, bool gpe)
    {
        int n = inner.Receive(batch, gpe);
        if (!gpe && n > 0 && Interlocked.Exchange(ref _fail, 0) == 1)
        {
            throw new InvalidOperationException("a bug in the underlay path");
        }
        return n;
    }

    public bool Send(ReadOnlySpan<byte> datagram, Peer to, int flowHash, bool gpe) => inner.Send(datagram, to, flowHash, gpe);

    public ISendBatch? CreateSendBatch(int capacity) => inner.CreateSendBatch(capacity);

    public void BeginBatch(ISendBatch? batch) => inner.BeginBatch(batch);

    public int EndBatch() => inner.EndBatch();

    public void Dispose() => inner.Dispose();
}
