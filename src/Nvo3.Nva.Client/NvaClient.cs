using Grpc.Core;
using Grpc.Net.Client;
using Nvo3.Security;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Client;

/// <summary>
/// The NVA's gRPC client with the directory's own types: what NVEs, agents and the CLI use.
/// Every refusal arrives as an <see cref="NvaException"/> with the NVA's message; an NVA that
/// cannot be reached gives <see cref="NvaError.Unavailable"/>. Thread-safe; owns its channels.
/// </summary>
/// <remarks>
/// <para>
/// Given several NVA replicas (the addresses of NVAs on one etcd cluster), it uses one at a time
/// and moves on to the next when a call finds it unavailable (its process gone, or cut off from
/// the store), retrying that call there; it stays on the one that answered. A call fails as
/// unavailable only once every address was tried in turn.
/// </para>
/// <para>
/// A retried write may have been applied by the NVA that vanished before it answered. The NVA
/// makes such retries harmless: activations, state changes and migration steps answer what the
/// directory already says, a retried attach, network or NVE creation finds its own record, a
/// retried migration begin finds its migration by request id (this client names every begin),
/// and a retried delete that finds nothing left reports success.
/// </para>
/// </remarks>
public sealed partial class NvaClient : IDirectoryClient, IMigrationDirectory, IDisposable
{
    private readonly Replica[] _replicas;
    private int _current;

    /// <summary>Connects (lazily) to the NVA at <paramref name="address"/> (http://HOST:PORT).</summary>
    public NvaClient(Uri address) : this([address])
    {
    }

    /// <summary>Connects (lazily) to the NVA replicas at <paramref name="addresses"/>, using the first until it fails.</summary>
    public NvaClient(IReadOnlyList<Uri> addresses) : this(addresses, tls: null)
    {
    }

    /// <summary>
    /// Connects (lazily) to the NVA replicas at <paramref name="addresses"/>; with
    /// <paramref name="tls"/>, over mutual TLS: this certificate is presented, and each NVA must
    /// show a certificate of the same CA with the NVA role whose SANs name the host dialled
    /// (addresses written http:// are dialled as https://). Null: plain text.
    /// </summary>
    public NvaClient(IReadOnlyList<Uri> addresses, TlsMaterial? tls)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Count == 0)
        {
            throw new ArgumentException("Give at least one NVA address.", nameof(addresses));
        }
        // With replicas to fail over to, a connection not made in 3 s goes to the next one; with one
        // there is nowhere else, so a slow connect on a loaded host (a new process, a starved thread
        // pool: seen at 3 s under a full test run beside three builds) is waited for longer.
        var connectTimeout = TimeSpan.FromSeconds(addresses.Count > 1 ? 3 : 15);
        _replicas = addresses.Select(a => new Replica(tls is null ? a : Secure(a), tls, connectTimeout)).ToArray();
    }

    private static Uri Secure(Uri address) => address.Scheme == Uri.UriSchemeHttps ? address : new UriBuilder(address) { Scheme = Uri.UriSchemeHttps, Port = address.Port }.Uri;

    /// <summary>The NVA's default gRPC port.</summary>
    public const int DefaultPort = 7470;

    /// <summary>The NVA in use: the first address until a call fails over to another.</summary>
    public Uri Address => _replicas[Volatile.Read(ref _current)].Address;

    /// <summary>Every NVA address this client may use, in order.</summary>
    public IReadOnlyList<Uri> Addresses => _replicas.Select(r => r.Address).ToList();

    /// <summary>How many times a call moved on to another NVA replica.</summary>
    public long Failovers => Interlocked.Read(ref _failovers);

    private long _failovers;

    /// <summary>Parses "HOST:PORT" or "http://HOST:PORT" into an address; throws <see cref="ArgumentException"/> saying what to write.</summary>
    public static Uri ParseAddress(string text)
    {
        string candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host) && uri.AbsolutePath == "/")
        {
            return uri;
        }
        throw new ArgumentException($"'{text}' is not an NVA address; write HOST:PORT or http://HOST:PORT, like 127.0.0.1:7470.");
    }

    /// <summary>Parses a comma-separated list of NVA addresses ("A,B,C"), each as <see cref="ParseAddress"/> takes it.</summary>
    public static IReadOnlyList<Uri> ParseAddresses(string text)
    {
        var addresses = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ParseAddress).ToList();
        return addresses.Count > 0 ? addresses
            : throw new ArgumentException($"'{text}' names no NVA; write HOST:PORT[,HOST:PORT...], like 127.0.0.1:7470.");
    }

    /// <summary>
    /// Opens a stream for look-ups (see <see cref="LookupStream"/>): what an NVE in pull mode keeps
    /// open to ask many questions cheaply. Dispose it before the client.
    /// </summary>
    public LookupStream OpenLookupStream(string askingNve = "") => new(this, askingNve);

    // The replica a new stream goes to, and the move past one whose stream broke.
    internal int ReplicaForStream() => Volatile.Read(ref _current);

    internal P.Directory.DirectoryClient ReplicaClient(int index) => _replicas[index].Client;

    internal void MovePast(int index)
    {
        if (_replicas.Length > 1 && Interlocked.CompareExchange(ref _current, (index + 1) % _replicas.Length, index) == index)
        {
            Interlocked.Increment(ref _failovers);
        }
    }

    /// <summary>The directory's raw gRPC client of the NVA in use, for calls this wrapper does not cover.</summary>
    public P.Directory.DirectoryClient Raw => _replicas[Volatile.Read(ref _current)].Client;

    /// <summary>Turns a gRPC failure into the directory's refusal type.</summary>
    public NvaException Translate(RpcException ex) => Translate(ex, Address);

    private NvaException Translate(RpcException ex, Uri address) => new(IsUnreachable(ex) ? NvaError.Unavailable : ex.StatusCode switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => NvaError.InvalidArgument,
        StatusCode.NotFound => NvaError.NotFound,
        StatusCode.AlreadyExists => NvaError.AlreadyExists,
        StatusCode.FailedPrecondition => NvaError.FailedPrecondition,
        StatusCode.Aborted => NvaError.Aborted,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => NvaError.PermissionDenied,
        _ => NvaError.Unavailable,
    }, ex.StatusCode switch
    {
        _ when IsUnreachable(ex) && _replicas.Length > 1 =>
            $"Cannot reach any NVA ({string.Join(", ", _replicas.Select(r => r.Address.Authority))}; last: {address.Authority}: {ex.Status.Detail}); is nvo3 nva serve running there?",
        _ when IsUnreachable(ex) => $"Cannot reach the NVA at {address} ({ex.Status.Detail}); is nvo3 nva serve running there"
            + (address.Scheme == Uri.UriSchemeHttp ? ", and if it serves TLS, was --tls-dir given?" : "?"),
        StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled => $"The NVA at {address} failed: {ex.Status.Detail}",
        _ => ex.Status.Detail,
    });

    private Task<T> CallAsync<T>(Func<P.Directory.DirectoryClient, Task<T>> call) => CallAsync(call, gone: null);

    private Task CallAsync<T>(Func<P.Directory.DirectoryClient, AsyncUnaryCall<T>> call, bool gone = false) =>
        CallAsync(async client =>
        {
            await call(client).ConfigureAwait(false);
            return true;
        }, gone ? () => true : null);

    // Runs a call on the replica in use, moving on to the next after each one that is
    // unavailable. A delete (gone: its result) that finds nothing after an attempt whose outcome
    // was unknown has found the work done.
    private async Task<T> CallAsync<T>(Func<P.Directory.DirectoryClient, Task<T>> call, Func<T>? gone)
    {
        int start = Volatile.Read(ref _current);
        RpcException? unavailable = null;
        for (int i = 0; i < _replicas.Length; i++)
        {
            int index = (start + i) % _replicas.Length;
            try
            {
                var result = await call(_replicas[index].Client).ConfigureAwait(false);
                if (index != start && Interlocked.CompareExchange(ref _current, index, start) == start)
                {
                    Interlocked.Increment(ref _failovers);
                }
                return result;
            }
            catch (RpcException ex) when (IsUnreachable(ex))
            {
                unavailable = ex;
            }
            catch (RpcException ex) when (gone is not null && unavailable is not null && ex.StatusCode == StatusCode.NotFound)
            {
                return gone();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ex.Status.DebugException is null or OperationCanceledException)
            {
                // The caller's token ended the call: .NET's way of saying so, not a failure of the NVA.
                throw new OperationCanceledException(ex.Status.Detail, ex);
            }
            catch (RpcException ex)
            {
                throw Translate(ex, _replicas[index].Address);
            }
        }
        throw Translate(unavailable!, _replicas[(start + _replicas.Length - 1) % _replicas.Length].Address);
    }

    // The NVA is gone or going: unavailable, or the connection closed under the call (an NVA that
    // stops sends HTTP/2 GOAWAY, which surfaces as an internal error of the transport).
    private static bool IsUnreachable(RpcException ex) =>
        ex.StatusCode == StatusCode.Unavailable
        || (ex.StatusCode == StatusCode.Internal && ex.Status.DebugException is HttpRequestException or IOException);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var replica in _replicas)
        {
            replica.Channel.Dispose();
        }
    }

    /// <summary>One NVA address and its channel.</summary>
    private sealed class Replica
    {
        public Replica(Uri address, TlsMaterial? tls, TimeSpan connectTimeout)
        {
            Address = address;
            var handler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                ConnectTimeout = connectTimeout,
            };
            tls?.ConfigureHttpHandler(handler, PeerRequirement.ServerAt(null, PeerRole.Nva));
            Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = handler,
                // A whole directory's snapshot of 100,000 bindings is about 15 MB.
                MaxReceiveMessageSize = 256 * 1024 * 1024,
            });
            Client = new P.Directory.DirectoryClient(Channel);
        }

        public Uri Address { get; }

        public GrpcChannel Channel { get; }

        public P.Directory.DirectoryClient Client { get; }
    }
}
