using System.Net;
using System.Net.Sockets;

namespace Nvo3.Migration.Transfer;

/// <summary>
/// One agent-to-agent TCP connection: a frame reader and a frame writer over its stream, the
/// sender's bandwidth meter and optional cap. It owns the socket; <see cref="Abort"/> resets it
/// at once (what a cable cut or a killed peer looks like to the other side), disposing closes it.
/// </summary>
internal sealed class MigrationConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private int _closed;

    private MigrationConnection(Socket socket, double? maxBandwidth, TimeProvider time, int maxIncomingPayload)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Meter = new BandwidthMeter(time);
        Reader = new FrameReader(_stream, maxIncomingPayload);
        Writer = new FrameWriter(_stream, maxBandwidth is > 0 ? TokenBucket.ForRate(maxBandwidth.Value, time) : null, Meter);
        Remote = socket.RemoteEndPoint;
    }

    public FrameReader Reader { get; }

    public FrameWriter Writer { get; }

    public BandwidthMeter Meter { get; }

    public EndPoint? Remote { get; }

    public static async Task<MigrationConnection> ConnectAsync(EndPoint destination, TransferSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        var socket = new Socket(destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.ConnectTimeout);
            await socket.ConnectAsync(destination, timeout.Token).ConfigureAwait(false);
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
        catch
        {
            socket.Dispose();
            throw;
        }
        // Replies to a source are small; a source never needs a large incoming frame.
        return new MigrationConnection(socket, settings.MaxBandwidth, time, 64 << 10);
    }

    public static MigrationConnection Accepted(Socket socket, TimeProvider time) =>
        new(socket, maxBandwidth: null, time, FrameHeader.MaxPayloadLength);

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
