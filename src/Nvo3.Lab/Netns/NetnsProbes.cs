using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nvo3.Lab.Linux;

namespace Nvo3.Lab.Netns;

/// <summary>
/// UDP probes from one lab VM's kernel stack to another's, for a move's timeline: a socket in each
/// VM's namespace (both made here, so send and arrival times are on one clock), paced by
/// <see cref="ProbeStream"/>, counted by <see cref="ProbeLog"/>. The target's socket lives in its
/// namespace, which a netns move keeps, so it receives before, during and after the move.
/// Probes carry a magic and their sequence number; anything else is ignored.
/// </summary>
internal sealed class NetnsProbes : IDisposable
{
    /// <summary>The UDP port probes go to.</summary>
    public const int Port = 7479;

    private const uint Magic = 0x4E56_3350; // "NV3P"
    private const int Length = 12;
    private const long WarmUp = -1; // the sequence number of a warm-up datagram: not a probe

    private readonly Socket _sender;
    private readonly Socket _receiver;
    private readonly SocketAddress _target;
    private readonly Thread _receiving;
    private readonly byte[] _sendBuffer = new byte[Length];
    private volatile bool _stopping;
    private volatile bool _warm;

    /// <summary>Opens the sockets in <paramref name="from"/>'s and <paramref name="to"/>'s namespaces and starts receiving.</summary>
    public NetnsProbes(LabVm from, LabVm to)
    {
        From = from;
        To = to;
        _receiver = NetworkNamespace.Run(to.Netns, () => Bound(IPAddress.Any, Port));
        try
        {
            _sender = NetworkNamespace.Run(from.Netns, () => Bound(IPAddress.Parse(from.Ipv4), 0));
        }
        catch
        {
            _receiver.Dispose();
            throw;
        }
        _receiver.ReceiveTimeout = 50; // so the receive loop sees Stop
        _target = new IPEndPoint(IPAddress.Parse(to.Ipv4), Port).Serialize();
        _receiving = new Thread(Receive) { IsBackground = true, Name = $"probes-to-{to.Name}" };
        _receiving.Start();
    }

    /// <summary>The VM that sends.</summary>
    public LabVm From { get; }

    /// <summary>The VM probed.</summary>
    public LabVm To { get; }

    /// <summary>What arrived, by sequence number.</summary>
    public ProbeLog Log { get; } = new();

    /// <summary>Why receiving ended early (null: it did not).</summary>
    public string? ReceiveError { get; private set; }

    /// <summary>The probes sent, once <see cref="StartAsync"/> started them.</summary>
    public ProbeStream? Stream { get; private set; }

    /// <summary>
    /// Sends warm-up datagrams until one arrives (ARP and neighbour discovery resolved, the NVEs'
    /// caches filled), so the timeline's first probes are not lost to a cold path; then starts a
    /// probe every <paramref name="interval"/>. Throws <see cref="TimeoutException"/> when nothing
    /// arrives within <paramref name="timeout"/>.
    /// </summary>
    public async Task StartAsync(TimeSpan interval, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await NetnsLab.WaitAsync(() =>
        {
            Send(WarmUp);
            return Task.FromResult(_warm);
        }, $"a UDP datagram from {From.Name} ({From.Ipv4}) to reach {To.Name} ({To.Ipv4}:{Port})", timeout, cancellationToken).ConfigureAwait(false);
        Stream = new ProbeStream($"{From.Name}-to-{To.Name}", Send, interval);
    }

    /// <summary>Stops sending, then receiving (a probe still on its way when this is called counts as lost).</summary>
    public void Stop()
    {
        Stream?.Stop();
        _stopping = true;
        _receiving.Join();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        _sender.Dispose();
        _receiver.Dispose();
    }

    private static Socket Bound(IPAddress address, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Called by the stream's one thread (and before it starts, by StartAsync): one send buffer suffices.
    private long Send(long sequence)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_sendBuffer, Magic);
        BinaryPrimitives.WriteInt64BigEndian(_sendBuffer.AsSpan(4), sequence);
        long now = Stopwatch.GetTimestamp();
        try
        {
            _sender.SendTo(_sendBuffer, SocketFlags.None, _target);
        }
        catch (SocketException)
        {
            // No route or neighbour for a moment: the probe is lost, which the timeline shows.
        }
        return now;
    }

    private void Receive()
    {
        var buffer = new byte[64];
        while (!_stopping)
        {
            int n;
            try
            {
                n = _receiver.Receive(buffer);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The socket failed or was closed under us: nothing more arrives; the log shows the rest as lost.
                ReceiveError = ex.Message;
                return;
            }
            long now = Stopwatch.GetTimestamp();
            if (n != Length || BinaryPrimitives.ReadUInt32BigEndian(buffer) != Magic)
            {
                continue;
            }
            long sequence = BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(4));
            if (sequence == WarmUp)
            {
                _warm = true;
            }
            else
            {
                Log.Record(sequence, now);
            }
        }
    }
}
