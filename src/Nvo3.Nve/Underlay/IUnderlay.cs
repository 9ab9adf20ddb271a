using Nvo3.Nva;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The NVE's side of the underlay network: it receives tunnelled datagrams on its VXLAN and
/// VXLAN-GPE endpoints and sends them to peers. <see cref="UdpUnderlay"/> uses UDP sockets;
/// <see cref="MemoryUnderlay"/> connects NVEs in one process without sockets (tests).
/// </summary>
public interface IUnderlay : IDisposable
{
    /// <summary>Where it receives VXLAN (VXLAN-GPE on the port beside it).</summary>
    UnderlayEndpoint Local { get; }

    /// <summary>
    /// Waits for a datagram on the VXLAN endpoint (or the VXLAN-GPE one), then reads every one
    /// already queued up to the batch's capacity. Returns 0 once the underlay is closed.
    /// </summary>
    int Receive(UnderlayBatch batch, bool gpe);

    /// <summary>Sends one datagram to the peer's VXLAN (or VXLAN-GPE) port; false when it was refused.</summary>
    bool Send(ReadOnlySpan<byte> datagram, Peer to, int flowHash, bool gpe);

    /// <summary>Room for one loop's sends to leave together; null when sends leave one at a time.</summary>
    ISendBatch? CreateSendBatch(int capacity);

    /// <summary>Until <see cref="EndBatch"/>, this thread's sends gather in <paramref name="batch"/> (nothing when null).</summary>
    void BeginBatch(ISendBatch? batch);

    /// <summary>Sends what this thread gathered; returns how many datagrams were refused.</summary>
    int EndBatch();

    /// <summary>UDP payload bytes sent (tunnel headers and inner packets).</summary>
    long BytesSent { get; }

    /// <summary>Datagrams sent.</summary>
    long DatagramsSent { get; }

    /// <summary>Called with every datagram sent when set (captures); not for the fast path.</summary>
    Action<IpAddr, ushort, IpAddr, ushort, ReadOnlySpan<byte>>? Tap { get; set; }
}
