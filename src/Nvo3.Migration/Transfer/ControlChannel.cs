using System.Threading.Channels;

namespace Nvo3.Migration.Transfer;

/// <summary>
/// The source's receive loop: reads the destination's frames (small replies) into a queue while
/// the sender streams pages, so that an Abort from the destination or a broken connection is
/// seen between two batches rather than at the end of a round. Each queued payload is a copy the
/// queue owns.
/// </summary>
internal sealed class ControlChannel
{
    private readonly Channel<(FrameType Type, byte[] Payload)> _queue = Channel.CreateUnbounded<(FrameType, byte[])>(new() { SingleReader = true, SingleWriter = true });
    private readonly Task _loop;
    private Exception? _failure;

    public ControlChannel(MigrationConnection connection)
    {
        _loop = Task.Run(() => RunAsync(connection));
    }

    /// <summary>Why the connection ended, once it did: an <see cref="IOException"/> or a <see cref="MigrationProtocolException"/>.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    private async Task RunAsync(MigrationConnection connection)
    {
        Exception ended;
        try
        {
            while (true)
            {
                var frame = await connection.Reader.ReadAsync().ConfigureAwait(false);
                if (frame is null)
                {
                    ended = new IOException("The destination agent closed the connection.");
                    break;
                }
                if (frame.Value.Type == FrameType.Abort)
                {
                    string reason = FieldMessage.ReadString(frame.Value.Payload.Span, FrameType.Abort);
                    ended = new MigrationRefusedException(reason);
                    break;
                }
                await _queue.Writer.WriteAsync((frame.Value.Type, frame.Value.Payload.ToArray())).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            ended = ex is IOException ? ex : new IOException("The connection to the destination agent was closed.", ex);
        }
        catch (System.Security.Authentication.AuthenticationException ex)
        {
            // TLS 1.3 finishes the client's handshake before the server judged the client's
            // certificate: a refusal arrives here, as an alert on the first read.
            ended = new IOException($"The destination agent ended TLS (did it refuse this agent's certificate? its log says why): {ex.Message}", ex);
        }
        Volatile.Write(ref _failure, ended);
        _queue.Writer.TryComplete(ended);
    }

    /// <summary>Throws what ended the connection, if it ended.</summary>
    public void ThrowIfFailed()
    {
        if (Failure is { } failure)
        {
            throw failure is MigrationRefusedException refused ? new MigrationRefusedException(refused.Message) : new IOException(failure.Message, failure);
        }
    }

    /// <summary>The next reply, of the type expected; anything else is a protocol violation.</summary>
    public async Task<byte[]> ExpectAsync(FrameType type, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        (FrameType Type, byte[] Payload) reply;
        try
        {
            reply = await _queue.Reader.ReadAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The destination agent sent no {type} within {timeout.TotalSeconds:0.#} s.");
        }
        catch (ChannelClosedException ex)
        {
            throw ex.InnerException is MigrationRefusedException refused
                ? new MigrationRefusedException(refused.Message)
                : new IOException($"The connection ended while waiting for {type}: {ex.InnerException?.Message}", ex.InnerException);
        }
        if (reply.Type != type)
        {
            throw new MigrationProtocolException(ProtocolError.UnexpectedMessage, $"Expected {type} from the destination, got {reply.Type}.");
        }
        return reply.Payload;
    }

    /// <summary>Waits for the loop to end (after the connection was closed).</summary>
    public Task Completion => _loop;
}
