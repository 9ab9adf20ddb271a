using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Nvo3.Security;

namespace Nvo3.Migration.Transfer;

/// <summary>
/// One agent-to-agent TCP connection, in mutual TLS when the agent has TLS material: a frame
/// reader and a frame writer over its stream, the sender's bandwidth meter and optional cap, and
/// the peer's verified identity. It owns the socket; <see cref="Abort"/> resets it at once (what a
/// cable cut or a killed peer looks like to the other side), disposing closes it.
/// </summary>
internal sealed class MigrationConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private int _closed;

    private MigrationConnection(Socket socket, Stream stream, PeerIdentity? peer, double? maxBandwidth, TimeProvider time, int maxIncomingPayload)
    {
        _socket = socket;
        _stream = stream;
        Peer = peer;
        Meter = new BandwidthMeter(time);
        Reader = new FrameReader(_stream, maxIncomingPayload);
        Writer = new FrameWriter(_stream, maxBandwidth is > 0 ? TokenBucket.ForRate(maxBandwidth.Value, time) : null, Meter);
        Remote = socket.RemoteEndPoint;
    }

    public FrameReader Reader { get; }

    public FrameWriter Writer { get; }

    public BandwidthMeter Meter { get; }

    public EndPoint? Remote { get; }

    /// <summary>The peer's identity, verified in the TLS handshake; null over plain text.</summary>
    public PeerIdentity? Peer { get; }

    /// <summary>
    /// Connects to the agent at <paramref name="destination"/> and, with TLS, verifies it before
    /// anything is sent: an <see cref="AgentEndPoint"/> pins the identity it must have, a plain
    /// address must be in its certificate's IP SANs. Connecting and the handshake share
    /// <see cref="TransferSettings.ConnectTimeout"/>. Any failure is an <see cref="IOException"/>
    /// that names the destination and says why.
    /// </summary>
    public static async Task<MigrationConnection> ConnectAsync(EndPoint destination, TransferSettings settings, TransportSecurity security, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var address = destination is AgentEndPoint agent ? agent.Address : destination;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(address, timeout.Token).ConfigureAwait(false);
            socket.NoDelay = true;
            var stream = new NetworkStream(socket, ownsSocket: true);
            PeerIdentity? peer = null;
            if (security.Tls is { } tls)
            {
                var requirement = destination is AgentEndPoint pinned ? PeerRequirement.Server(pinned.Identity) : PeerRequirement.ServerAt(HostOf(address));
                (var tlsStream, peer) = await tls.AuthenticateAsClientAsync(stream, requirement, timeout.Token).ConfigureAwait(false);
                // Replies to a source are small; a source never needs a large incoming frame.
                return new MigrationConnection(socket, tlsStream, peer, settings.MaxBandwidth, time, 64 << 10);
            }
            return new MigrationConnection(socket, stream, peer, settings.MaxBandwidth, time, 64 << 10);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"The destination agent at {destination} did not accept a connection within {settings.ConnectTimeout.TotalSeconds:0.#} s.");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"Cannot reach the destination agent at {destination}: {ex.Message}", ex);
        }
        catch (AuthenticationException ex)
        {
            socket.Dispose();
            throw new IOException($"TLS with the destination agent at {destination} failed: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // What an unpinned destination's certificate must name in its SANs.
    private static string HostOf(EndPoint address) => address switch
    {
        IPEndPoint ip => ip.Address.ToString(),
        DnsEndPoint dns => dns.Host,
        _ => address.ToString() ?? "",
    };

    /// <summary>
    /// A connection an agent accepted; with TLS, after the handshake that verifies the source's
    /// certificate (within <paramref name="handshakeTimeout"/>). A refused or broken handshake is an
    /// <see cref="IOException"/> saying why; the socket is closed then.
    /// </summary>
    public static async Task<MigrationConnection> AcceptAsync(Socket socket, TransportSecurity security, TimeProvider time, TimeSpan handshakeTimeout,
        CancellationToken cancellationToken)
    {
        socket.NoDelay = true;
        var stream = new NetworkStream(socket, ownsSocket: true);
        if (security.Tls is not { } tls)
        {
            return new MigrationConnection(socket, stream, peer: null, maxBandwidth: null, time, FrameHeader.MaxPayloadLength);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(handshakeTimeout);
        try
        {
            var (tlsStream, peer) = await tls.AuthenticateAsServerAsync(stream, timeout.Token).ConfigureAwait(false);
            return new MigrationConnection(socket, tlsStream, peer, maxBandwidth: null, time, FrameHeader.MaxPayloadLength);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"No TLS handshake within {handshakeTimeout.TotalSeconds:0.#} s.");
        }
        catch (AuthenticationException ex)
        {
            socket.Dispose();
            throw new IOException(ex.Message, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends a one-buffer message built by <paramref name="write"/>.</summary>
    public ValueTask SendAsync<TState>(FrameType type, int capacity, TState state, SpanWriter<TState> write, CancellationToken cancellationToken)
    {
        var buffer = Writer.GetPayloadBuffer(capacity);
        int length = write(buffer.Span, state);
        return Writer.SendAsync(type, length, cancellationToken);
    }

    /// <summary>Resets the connection: the peer sees it fail at once.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the peer or by us: nothing left to reset.
        }
        _stream.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _stream.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
