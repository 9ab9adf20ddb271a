using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nvo3.Qemu.Qmp;

/// <summary>
/// A client of the QEMU Machine Protocol: JSON messages, one a line, over a unix socket. It reads
/// the greeting, enters command mode (<c>qmp_capabilities</c>), then runs commands with ids so
/// replies are matched whatever order they come in, and delivers QEMU's events to subscribers
/// and waiters as they arrive. One background loop reads; writers take turns.
/// </summary>
/// <remarks>
/// What QEMU sends is untrusted input: lines are bounded (<see cref="QmpClientOptions.MaxMessageBytes"/>),
/// anything that is not QMP ends the connection with a <see cref="QmpProtocolException"/>, and
/// when the connection ends every pending command and event wait fails with it. Owns the socket.
/// </remarks>
public sealed partial class QmpClient : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly QmpLineReader _reader;
    private readonly QmpClientOptions _options;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _readLoop = Task.CompletedTask;
    private Exception? _closed;
    private long _nextId;
    private long _unmatchedReplies;

    private QmpClient(Stream stream, string peer, QmpClientOptions options)
    {
        _stream = stream;
        _options = options;
        Peer = peer;
        _reader = new QmpLineReader(stream, options.MaxMessageBytes);
    }

    /// <summary>The socket path (or a description of the stream) this client talks to.</summary>
    public string Peer { get; }

    /// <summary>The greeting's "QMP" object: QEMU's version and capabilities.</summary>
    public JsonElement Greeting { get; private set; }

    /// <summary>QEMU's version as the greeting gave it, e.g. 7.2.22.</summary>
    public string QemuVersion =>
        Greeting.ValueKind == JsonValueKind.Object && Greeting.TryGetProperty("version", out var v) && v.TryGetProperty("qemu", out var q)
            ? $"{q.GetProperty("major")}.{q.GetProperty("minor")}.{q.GetProperty("micro")}"
            : "unknown";

    /// <summary>Replies whose id matched no pending command (one that was cancelled, or a confused peer).</summary>
    public long UnmatchedReplies => Interlocked.Read(ref _unmatchedReplies);

    /// <summary>Ends when the connection ends; faulted with what ended it unless it was disposed.</summary>
    public Task Completion => _readLoop;

    /// <summary>True until the connection ends.</summary>
    public bool IsConnected => _closed is null;

    /// <summary>
    /// Connects to the QMP socket at <paramref name="socketPath"/>, reads the greeting and enters
    /// command mode. Throws <see cref="SocketException"/> when nothing listens there yet, and
    /// <see cref="QmpProtocolException"/> when what answers is not QMP.
    /// </summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, QmpClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return await StartAsync(new NetworkStream(socket, ownsSocket: true), socketPath, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Speaks QMP over <paramref name="stream"/> (which the client then owns): greeting, then command mode.</summary>
    public static async Task<QmpClient> StartAsync(Stream stream, string peer, QmpClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        var client = new QmpClient(stream, peer, options ?? new QmpClientOptions());
        try
        {
            var line = await client._reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new QmpProtocolException($"{peer} closed the connection before its QMP greeting.");
            if (!QmpMessage.TryParse(line, out var greeting, out string? error) || greeting!.Kind != QmpMessageKind.Greeting)
            {
                throw new QmpProtocolException($"{peer} did not greet with QMP: {error ?? "its first message was a " + greeting!.Kind}.");
            }
            client.Greeting = greeting.Value;
            client._readLoop = Task.Run(client.ReadLoopAsync, CancellationToken.None);
            await client.ExecuteAsync("qmp_capabilities", null, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (Exception ex) when (ex is IOException and not QmpProtocolException)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new QmpProtocolException($"The QMP connection {peer} failed before it was ready: {ex.Message}", ex);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> with <paramref name="arguments"/> and returns its "return"
    /// value. Throws <see cref="QmpException"/> when QEMU refuses it and <see cref="QmpProtocolException"/>
    /// when the connection ends first. Cancelling abandons the wait, not the command.
    /// </summary>
    public async Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ThrowIfClosed();
        string id = $"nvo3-{Interlocked.Increment(ref _nextId)}";
        var pending = new Pending(command);
        _pending[id] = pending;
        try
        {
            await WriteAsync(command, arguments, id, cancellationToken).ConfigureAwait(false);
            // The loop may have ended between the check above and the registration.
            if (_closed is { } closed)
            {
                pending.Reply.TrySetException(closed);
            }
            return await pending.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task WriteAsync(string command, JsonObject? arguments, string id, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("execute", command);
            if (arguments is not null)
            {
                json.WritePropertyName("arguments");
                arguments.WriteTo(json);
            }
            json.WriteString("id", id);
            json.WriteEndObject();
        }
        buffer.Write("\n"u8);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new QmpProtocolException($"Cannot send {command} to {Peer}: {ex.Message}", ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw new QmpProtocolException($"Cannot send {command} to {Peer}: the connection is closed.", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception ended;
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(_stopping.Token).ConfigureAwait(false);
                if (line is null)
                {
                    ended = new QmpProtocolException($"QEMU closed the QMP connection {Peer}.");
                    break;
                }
                if (!QmpMessage.TryParse(line.Value, out var message, out string? error))
                {
                    ended = new QmpProtocolException($"{Peer} sent something that is not QMP: {error}");
                    break;
                }
                if (!Dispatch(message!, out ended))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            ended = new ObjectDisposedException(nameof(QmpClient), $"The QMP client for {Peer} was disposed.");
        }
        catch (QmpProtocolException ex)
        {
            ended = ex;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            ended = new QmpProtocolException($"The QMP connection {Peer} failed: {ex.Message}", ex);
        }
        Close(ended);
        if (ended is QmpProtocolException)
        {
            throw ended;
        }
    }

    // Hands a message to whoever waits for it; false (with why) when the connection must end.
    private bool Dispatch(QmpMessage message, out Exception ended)
    {
        ended = null!;
        switch (message.Kind)
        {
            case QmpMessageKind.Return or QmpMessageKind.Error when message.Id is null:
                // QEMU answers without an id only when it could not read our command at all.
                ended = new QmpProtocolException($"{Peer} answered without an id: {message.ErrorDescription ?? "a return"} ({message.ErrorClass ?? "no class"}).");
                return false;
            case QmpMessageKind.Return:
                if (_pending.TryGetValue(message.Id!, out var done))
                {
                    done.Reply.TrySetResult(message.Value);
                }
                else
                {
                    Interlocked.Increment(ref _unmatchedReplies);
                }
                return true;
            case QmpMessageKind.Error:
                if (_pending.TryGetValue(message.Id!, out var refused))
                {
                    refused.Reply.TrySetException(new QmpException(refused.Command, message.ErrorClass!, message.ErrorDescription!));
                }
                else
                {
                    Interlocked.Increment(ref _unmatchedReplies);
                }
                return true;
            case QmpMessageKind.Event:
                Publish(message);
                return true;
            default:
                ended = new QmpProtocolException($"{Peer} sent a second greeting.");
                return false;
        }
    }

    private void Close(Exception reason)
    {
        if (Interlocked.CompareExchange(ref _closed, reason, null) is not null)
        {
            return;
        }
        foreach (var pending in _pending.Values)
        {
            pending.Reply.TrySetException(reason);
        }
        FailWaiters(reason);
    }

    private void ThrowIfClosed()
    {
        if (_closed is { } closed)
        {
            throw closed is QmpProtocolException protocol ? new QmpProtocolException(protocol.Message, protocol) : new ObjectDisposedException(nameof(QmpClient), closed.Message);
        }
    }

    /// <summary>Closes the connection (QEMU keeps running); pending commands and waits fail.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        _stopping.Cancel();
        await _stream.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (QmpProtocolException)
        {
            // It ended before we closed it; whoever waited has been told.
        }
        Close(new ObjectDisposedException(nameof(QmpClient), $"The QMP client for {Peer} was disposed."));
        _stopping.Dispose();
        _writeLock.Dispose();
    }

    private sealed class Pending(string command)
    {
        public string Command { get; } = command;

        public TaskCompletionSource<JsonElement> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
