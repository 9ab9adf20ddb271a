using System.Net;
using System.Net.Sockets;
using Nvo3.Nva;
using Nvo3.Nve.Linux;
using Nvo3.Packets;

namespace Nvo3.Nve;

/// <summary>
/// The NVE's underlay: one UDP socket bound to its endpoint receives VXLAN, a second on the
/// VXLAN-GPE port receives Layer-3 traffic; a small pool of sockets on
/// ephemeral ports sends, picked by the inner flow's hash, so that the outer source port follows
/// the flow (RFC 7348 section 5) and ECMP spreads flows. Owns its sockets.
/// </summary>
public sealed class UdpUnderlay : IUnderlay
{
    private readonly Socket _receive;
    private readonly Socket? _receiveGpe;
    private readonly SocketAddress _fromGpe;
    private readonly Socket[] _send;
    private readonly ushort[] _sendPorts;
    private readonly SocketAddress _from;

    /// <summary>Binds to <paramref name="local"/>; throws <see cref="IOException"/> saying why it cannot.</summary>
    public UdpUnderlay(UnderlayEndpoint local, int sendSockets = 8, bool shareSendAndReceive = false)
    {
        Local = local;
        var address = local.Address.ToIPAddress();
        try
        {
            _receive = Open(address.AddressFamily);
            _receive.Bind(new IPEndPoint(address, local.Port));
            _receiveGpe = Open(address.AddressFamily);
            _receiveGpe.Bind(new IPEndPoint(address, GpePortFor(local.Port)));
            if (shareSendAndReceive)
            {
                // Several NVEs share one address (an IPv6 lab on ::1): peers tell them apart by
                // source port, so each sends from the port it receives on.
                _send = [_receive];
            }
            else
            {
                _send = new Socket[sendSockets];
                for (int i = 0; i < sendSockets; i++)
                {
                    _send[i] = Open(address.AddressFamily);
                    _send[i].Bind(new IPEndPoint(address, 0));
                }
            }
        }
        catch (SocketException ex)
        {
            Dispose();
            throw new IOException($"Cannot bind the underlay to {local}: {ex.Message}", ex);
        }
        _sendPorts = _send.Select(s => (ushort)((IPEndPoint)s.LocalEndPoint!).Port).ToArray();
        _from = new SocketAddress(address.AddressFamily);
        _fromGpe = new SocketAddress(address.AddressFamily);
    }

    /// <summary>The VXLAN-GPE port that goes with a VXLAN port: 4790 beside 4789, else the next port.</summary>
    public static ushort GpePortFor(ushort vxlanPort) => vxlanPort == VxlanHeader.UdpPort ? VxlanGpeHeader.UdpPort : (ushort)(vxlanPort + 1);

    /// <summary>Where it receives.</summary>
    public UnderlayEndpoint Local { get; }

    /// <inheritdoc />
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <inheritdoc />
    public long DatagramsSent => Interlocked.Read(ref _datagramsSent);

    private long _bytesSent;
    private long _datagramsSent;

    /// <inheritdoc />
    public Action<IpAddr, ushort, IpAddr, ushort, ReadOnlySpan<byte>>? Tap { get; set; }

    private static Socket Open(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = 4 << 20,
            SendBufferSize = 4 << 20,
        };
        return socket;
    }

    /// <summary>
    /// Waits for a datagram, then reads every one already queued (up to the batch's capacity),
    /// each at the batch's headroom: on Linux with one recvmmsg(2), elsewhere one at a time.
    /// Returns 0 when the socket was closed.
    /// </summary>
    public int Receive(UnderlayBatch batch, bool gpe) => gpe ? Receive(_receiveGpe!, _fromGpe, batch) : Receive(_receive, _from, batch);

    private static int Receive(Socket socket, SocketAddress from, UnderlayBatch batch)
    {
        int n = 0;
        try
        {
            // The first read blocks (and ends when the socket is disposed); the rest do not wait.
            int length = socket.ReceiveFrom(batch.WriteArea(0), SocketFlags.None, from);
            batch.Set(0, length, ReadSender(from, out ushort port), port);
            n = 1;
            if (OperatingSystem.IsLinux())
            {
                batch.Receiver ??= new BatchReceiver(batch, UnderlayBatch.ReadLength);
                n += batch.Receiver.ReadQueued(socket, batch, 1);
            }
            else
            {
                while (n < batch.Capacity && socket.Available > 0)
                {
                    length = socket.ReceiveFrom(batch.WriteArea(n), SocketFlags.None, from);
                    batch.Set(n, length, ReadSender(from, out port), port);
                    n++;
                }
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.Interrupted or SocketError.OperationAborted or SocketError.Shutdown or SocketError.NotSocket)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        batch.Count = n;
        return n;
    }

    /// <summary>Benchmarks of the pipeline without the system call set this: sends are counted, not made.</summary>
    internal bool DiscardSends { get; set; }

    // A thread between BeginBatch and EndBatch gathers its sends here (Linux).
    [ThreadStatic]
    private static BatchSender? t_batch;
    [ThreadStatic]
    private static UdpUnderlay? t_batchOwner;
    [ThreadStatic]
    private static int t_batchFailures;

    /// <summary>Gathered sends for one loop (null where sendmmsg is not available); the loop disposes it.</summary>
    public ISendBatch? CreateSendBatch(int capacity) =>
        OperatingSystem.IsLinux() && !DiscardSends ? new BatchSender(capacity, UnderlayBatch.MaxDatagram) : null;

    /// <summary>
    /// Until <see cref="EndBatch"/>, this thread's sends through this underlay are copied into
    /// <paramref name="batch"/> and leave together, one sendmmsg per socket, in order.
    /// </summary>
    public void BeginBatch(ISendBatch? batch)
    {
        t_batch = batch as BatchSender;
        t_batchOwner = t_batch is null ? null : this;
        t_batchFailures = 0;
    }

    /// <summary>Sends what the thread gathered since <see cref="BeginBatch"/>; returns how many the kernel refused.</summary>
    public int EndBatch()
    {
        var batch = t_batch;
        t_batch = null;
        t_batchOwner = null;
        int failed = t_batchFailures + (batch is null ? 0 : Flush(batch));
        t_batchFailures = 0;
        return failed;
    }

    private int Flush(BatchSender batch)
    {
        int count = batch.Count;
        int failed = batch.Flush(_send, out long bytes);
        Interlocked.Add(ref _bytesSent, bytes);
        Interlocked.Add(ref _datagramsSent, count - failed);
        return failed;
    }

    /// <summary>
    /// Sends one datagram to the peer's VXLAN or VXLAN-GPE port; false when the socket refused it.
    /// Inside a batch (<see cref="BeginBatch"/>) it is queued, and a refusal is counted at the end.
    /// </summary>
    public bool Send(ReadOnlySpan<byte> datagram, Peer to, int flowHash, bool gpe)
    {
        int i = (int)((uint)flowHash % (uint)_send.Length);
        if (DiscardSends)
        {
            return true;
        }
        if (ReferenceEquals(t_batchOwner, this) && t_batch is { } batch)
        {
            if (batch.IsFull)
            {
                t_batchFailures += Flush(batch);
            }
            if (batch.TryAdd(i, datagram, gpe ? to.GpeSocketAddress : to.SocketAddress))
            {
                Tap?.Invoke(Local.Address, _sendPorts[i], to.Endpoint.Address, gpe ? GpePortFor(to.Endpoint.Port) : to.Endpoint.Port, datagram);
                return true;
            }
        }
        try
        {
            _send[i].SendTo(datagram, SocketFlags.None, gpe ? to.GpeSocketAddress : to.SocketAddress);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        Interlocked.Add(ref _bytesSent, datagram.Length);
        Interlocked.Increment(ref _datagramsSent);
        Tap?.Invoke(Local.Address, _sendPorts[i], to.Endpoint.Address, gpe ? GpePortFor(to.Endpoint.Port) : to.Endpoint.Port, datagram);
        return true;
    }

    // Reads the sender's address and port out of the socket address without allocating.
    private static IpAddr ReadSender(SocketAddress address, out ushort port) =>
        ReadSender(address.Buffer.Span, address.Family == AddressFamily.InterNetworkV6, out port);

    /// <summary>The address and port of a struct sockaddr_in or sockaddr_in6.</summary>
    internal static IpAddr ReadSender(ReadOnlySpan<byte> sockaddr, bool v6, out ushort port)
    {
        port = (ushort)((sockaddr[2] << 8) | sockaddr[3]);
        return v6 ? IpAddr.ReadV6(sockaddr[8..]) : IpAddr.ReadV4(sockaddr[4..]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _receive?.Dispose();
        _receiveGpe?.Dispose();
        if (_send is not null)
        {
            foreach (var s in _send)
            {
                s?.Dispose();
            }
        }
    }
}
