using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nvo3.Migration.Transfer;

namespace Nvo3.Migration;

/// <summary>The incoming side: accepting connections, the TLS handshake, and whether an offered migration is accepted.</summary>
public sealed partial class MigrationAgent
{
    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var socket = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                // The handshake runs in the session's task: a slow or hostile peer holds up no other.
                var task = Task.Run(() => ServeAsync(socket, cancellationToken));
                _sessions.TryAdd(task, 0);
                _ = task.ContinueWith(t => _sessions.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || (ex is SocketException && cancellationToken.IsCancellationRequested))
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            LogAcceptFailed(_logger, Name, ex);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        string remote = socket.RemoteEndPoint?.ToString() ?? "?";
        MigrationConnection connection;
        try
        {
            connection = await MigrationConnection.AcceptAsync(socket, Options.Security, Time, Options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                LogHandshakeFailed(_logger, Name, remote, ex.Message);
            }
            return;
        }
        Track(connection);
        await new IncomingSession(this, connection, _logger).RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Why the source may not offer this migration, or null when <see cref="MigrationAgentOptions.Authorize"/> (if any) accepts it.</summary>
    internal async ValueTask<string?> AuthorizeAsync(HelloMessage hello, MigrationConnection connection, CancellationToken cancellationToken)
    {
        if (Options.Authorize is not { } authorize)
        {
            return null;
        }
        if (connection.Peer is not { } source)
        {
            return $"The agent '{Name}' accepts migrations only over TLS.";
        }
        var offer = new IncomingMigration(source, hello.Workload, hello.Mode, hello.SourceAgent, hello.MigrationId, connection.Remote);
        // An authorizer that asks the directory must answer within the handshake's time: a source
        // waits for its Welcome no longer than that either.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Options.HandshakeTimeout);
        try
        {
            if (await authorize(offer, limit.Token).ConfigureAwait(false))
            {
                return null;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"The agent '{Name}' could not decide within {Options.HandshakeTimeout.TotalSeconds:0.#} s whether {source} may move '{hello.Workload}' here.";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAuthorizerFailed(_logger, Name, hello.Workload, source.ToString(), ex);
            return $"The agent '{Name}' could not decide whether {source} may move '{hello.Workload}' here: {ex.Message}";
        }
        LogRefusedSource(_logger, Name, hello.Workload, source.ToString());
        return $"The agent '{Name}' does not accept '{hello.Workload}' from {source}.";
    }

    /// <summary>Why an incoming migration must be refused, or null to accept it.</summary>
    internal string? CheckIncoming(HelloMessage hello)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return $"The agent '{Name}' is stopping.";
        }
        if (hello.Shape.MemoryBytes + hello.Shape.DiskBytes > Options.MaxIncomingBytes)
        {
            return $"The workload '{hello.Workload}' needs {hello.Shape.MemoryBytes + hello.Shape.DiskBytes} bytes; the agent '{Name}' accepts at most {Options.MaxIncomingBytes}.";
        }
        lock (_lock)
        {
            if (_hosted.ContainsKey(hello.Workload) || _standbys.ContainsKey(hello.Workload))
            {
                return $"The agent '{Name}' already holds a workload named '{hello.Workload}'.";
            }
        }
        return null;
    }

    [LoggerMessage(6, LogLevel.Warning, "Migration agent {Agent} refused a connection from {Remote}: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string agent, string remote, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Migration agent {Agent} refused {Workload} from {Source}: not authorized")]
    private static partial void LogRefusedSource(ILogger logger, string agent, string workload, string source);

    [LoggerMessage(8, LogLevel.Error, "Migration agent {Agent}: the authorizer failed on {Workload} from {Source}; refused")]
    private static partial void LogAuthorizerFailed(ILogger logger, string agent, string workload, string source, Exception exception);
}
