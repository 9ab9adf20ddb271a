using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nvo3.Nva.Leadership;

namespace Nvo3.Nva.Storage.Etcd;

/// <summary>
/// The store for deployments that outgrow one machine (<c>etcd:URL[,URL…]</c>): an etcd v3
/// cluster, whose revisions, transactions, watches and compaction are the store's own. Several
/// NVA processes may share one cluster and prefix.
/// </summary>
/// <remarks>
/// <para>
/// Keys live under <see cref="EtcdStoreOptions.Prefix"/>. Reads are Range requests (a list is
/// paged at one pinned revision, so it is one consistent snapshot however large); a commit is one
/// Txn whose compares are <c>mod_revision ==</c> (etcd compares a missing key as mod_revision 0,
/// which is this contract's "absent"); a watch is an etcd watch that reconnects by itself from the
/// last revision it delivered.
/// </para>
/// <para>
/// Differences that come from etcd: an empty cluster is at revision 1, not 0, and the revision is
/// the whole cluster's, so other writers to the cluster move it too; compaction is cluster-wide;
/// a transaction holds at most etcd's <c>--max-txn-ops</c> operations (128 by default); etcd
/// refuses a key twice in one transaction, so this store keeps only the last operation on each
/// key (the end state is the same, the intermediate versions and events are not there).
/// </para>
/// <para>
/// The gRPC channel comes from dotnet-etcd: it balances round-robin over the URLs and retries a
/// call up to five times on an unavailable endpoint, which fails over to the other members. A
/// retried commit whose first attempt did reach etcd can report a failed compare: read the key to
/// learn the outcome.
/// </para>
/// </remarks>
public sealed partial class EtcdStore : IDirectoryStore, IElectingStore
{
    /// <summary>Keys per Range page of a list; well under gRPC's 4 MiB message limit for the NVA's records.</summary>
    private const int ListPageSize = 1000;

    private readonly EtcdClient _client;
    private readonly KV.KVClient _kv;
    private readonly Etcdserverpb.Watch.WatchClient _watch;
    private readonly Lease.LeaseClient _leases;
    private readonly V3Electionpb.Election.ElectionClient _election;
    private readonly string _prefix;
    private readonly EtcdStoreOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly string _description;
    private readonly CancellationTokenSource _lifetime = new();

    private EtcdStore(EtcdClient client, IReadOnlyList<Uri> endpoints, EtcdStoreOptions options, ILogger logger, TimeProvider timeProvider)
    {
        _client = client;
        var connection = client.GetConnection();
        _kv = connection.KVClient;
        _watch = connection.WatchClient;
        _leases = connection.LeaseClient;
        _election = connection.ElectionClient;
        _options = options;
        _prefix = options.Prefix;
        _logger = logger;
        _timeProvider = timeProvider;
        _description = "etcd:" + string.Join(',', endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
    }

    /// <inheritdoc />
    public string Description => _description;

    /// <summary>
    /// Connects to the etcd cluster at <paramref name="endpoints"/> (all http or all https) and
    /// checks that it answers.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoints or the options are malformed.</exception>
    /// <exception cref="IOException">etcd did not answer within <see cref="EtcdStoreOptions.ConnectTimeout"/>.</exception>
    public static async ValueTask<EtcdStore> ConnectAsync(IReadOnlyList<Uri> endpoints, EtcdStoreOptions? options = null,
        ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        options ??= new EtcdStoreOptions();
        timeProvider ??= TimeProvider.System;
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("Give at least one etcd URL, e.g. etcd:http://127.0.0.1:2379.", nameof(endpoints));
        }
        if (endpoints.Select(e => e.Scheme).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1)
        {
            throw new ArgumentException("The etcd URLs mix http and https; use one scheme for every member.", nameof(endpoints));
        }
        ArgumentNullException.ThrowIfNull(options.Prefix, nameof(options));
        bool secure = string.Equals(endpoints[0].Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase);
        var client = new EtcdClient(
            string.Join(',', endpoints.Select(e => e.GetLeftPart(UriPartial.Authority))),
            serverName: endpoints[0].Host,
            configureChannelOptions: channel =>
            {
                channel.Credentials = secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
                // One watch response may carry up to a thousand revisions; gRPC's 4 MiB default is too tight.
                channel.MaxReceiveMessageSize = 64 * 1024 * 1024;
            });
        var store = new EtcdStore(client, endpoints, options, (ILogger?)loggerFactory?.CreateLogger<EtcdStore>() ?? NullLogger.Instance, timeProvider);
        // A timer of our own rather than a gRPC deadline: with dotnet-etcd's channel options an
        // expired deadline can surface as a cancellation, which must not look like the caller's.
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await store._kv.RangeAsync(new RangeRequest { Key = store.FullKey(""), CountOnly = true }, cancellationToken: linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested &&
            (e is OperationCanceledException || e is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled }))
        {
            client.Dispose();
            string why = e is RpcException rpc ? rpc.Status.Detail : $"no answer within {options.ConnectTimeout.TotalSeconds:0.#} s";
            throw new IOException($"etcd at {string.Join(", ", endpoints)} does not answer ({why}); check that etcd runs there and that the URLs and scheme are right.", e);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return store;
    }

    /// <inheritdoc />
    public async ValueTask<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var response = await Call(_kv.RangeAsync(new RangeRequest { Key = FullKey(key) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : ToEntry(response.Kvs[0]);
    }

    /// <inheritdoc />
    public async ValueTask<StoreRange> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var (from, end) = PrefixRange(prefix);
        while (true)
        {
            try
            {
                return await ListPagesAsync(from, end, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (IsCompacted(e))
            {
                // A compaction overtook the revision the pages were pinned at: read again, at a newer one.
                Log.ListRestarted(_logger, prefix);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        var response = await Call(_kv.RangeAsync(new RangeRequest { Key = FullKey(""), CountOnly = true }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <inheritdoc />
    public async ValueTask<StoreCommit> CommitAsync(StoreTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var request = new TxnRequest();
        foreach (var compare in transaction.Compares)
        {
            request.Compare.Add(new Compare
            {
                Key = FullKey(compare.Key),
                Target = Compare.Types.CompareTarget.Mod,
                Result = Compare.Types.CompareResult.Equal,
                ModRevision = compare.ModRevision,
            });
        }
        foreach (var op in LastOperationPerKey(transaction.Operations))
        {
            request.Success.Add(op.Value is { } value
                ? new RequestOp { RequestPut = new PutRequest { Key = FullKey(op.Key), Value = ByteString.CopyFrom(value) } }
                : new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = FullKey(op.Key) } });
        }
        TxnResponse response;
        try
        {
            response = await Call(_kv.TxnAsync(request, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw new ArgumentException($"etcd refused the transaction: {e.Status.Detail} (etcd takes at most --max-txn-ops operations per transaction, 128 by default).", nameof(transaction), e);
        }
        // A transaction that changed nothing (deletes of absent keys) takes no revision in etcd:
        // the header then carries the current one, as this contract wants.
        return new StoreCommit(response.Succeeded, response.Header.Revision);
    }

    /// <inheritdoc />
    /// <remarks>etcd's compaction is cluster-wide: it drops the history of every prefix.</remarks>
    public async ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        revision = Math.Min(revision, await GetRevisionAsync(cancellationToken).ConfigureAwait(false));
        if (revision <= 0)
        {
            return;
        }
        try
        {
            // Physical: return only once the history is gone, so a watch right after sees it gone.
            await Call(_kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (IsCompacted(e))
        {
            // Already compacted at or past that revision: nothing to do, as in the other stores.
        }
    }

    /// <inheritdoc />
    /// <remarks>The campaign's keys live under the store's prefix, at <c>election/housekeeping/LEASE</c>.</remarks>
    public ILeaderElection CreateElection(string candidate, TimeSpan leaseTtl, TimeProvider timeProvider, ILoggerFactory loggerFactory) =>
        new EtcdLeaderElection(_leases, _election, FullKey("election/housekeeping"), candidate, leaseTtl, timeProvider, loggerFactory.CreateLogger<EtcdLeaderElection>());

    /// <summary>Ends every watch and closes the gRPC channel.</summary>
    public ValueTask DisposeAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return ValueTask.CompletedTask;
        }
        _lifetime.Cancel();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<StoreRange> ListPagesAsync(ByteString from, ByteString end, CancellationToken cancellationToken)
    {
        var entries = new List<StoreEntry>();
        long revision = 0;
        var key = from;
        while (true)
        {
            var response = await Call(_kv.RangeAsync(new RangeRequest { Key = key, RangeEnd = end, Limit = ListPageSize, Revision = revision },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (revision == 0)
            {
                revision = response.Header.Revision;
            }
            foreach (var kv in response.Kvs)
            {
                entries.Add(ToEntry(kv));
            }
            if (!response.More || response.Kvs.Count == 0)
            {
                return new StoreRange(entries, revision);
            }
            // The next page starts just after the last key: the same key with a zero byte appended.
            var last = response.Kvs[^1].Key;
            var next = new byte[last.Length + 1];
            last.CopyTo(next, 0);
            key = ByteString.CopyFrom(next);
        }
    }

    /// <summary>etcd refuses a key twice in one Txn; the last operation on a key decides its end state.</summary>
    private static IEnumerable<StoreOperation> LastOperationPerKey(IReadOnlyList<StoreOperation> operations)
    {
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < operations.Count; i++)
        {
            last[operations[i].Key] = i;
        }
        for (int i = 0; i < operations.Count; i++)
        {
            if (last[operations[i].Key] == i)
            {
                yield return operations[i];
            }
        }
    }

    /// <summary>Turns "etcd is down" into an <see cref="IOException"/> that says so; other failures pass unchanged.</summary>
    private async Task<T> Call<T>(AsyncUnaryCall<T> call)
    {
        using (call)
        {
            try
            {
                return await call.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                throw new IOException($"etcd ({_description}) is unavailable: {e.Status.Detail}", e);
            }
        }
    }

    private static bool IsCompacted(RpcException e) =>
        e.StatusCode == StatusCode.OutOfRange && e.Status.Detail.Contains("compacted", StringComparison.Ordinal);

    /// <summary>
    /// The etcd key of <paramref name="key"/>. etcd has no empty key; with an empty store prefix the
    /// empty key becomes a zero byte, which as a range start means "from the first key".
    /// </summary>
    private ByteString FullKey(string key)
    {
        string full = _prefix + key;
        return full.Length == 0 ? ByteString.CopyFrom(0) : ByteString.CopyFromUtf8(full);
    }

    private string CallerKey(ByteString key)
    {
        string full = key.ToStringUtf8();
        return full.StartsWith(_prefix, StringComparison.Ordinal) ? full[_prefix.Length..] : full;
    }

    private StoreEntry ToEntry(Mvccpb.KeyValue kv) =>
        new(CallerKey(kv.Key), kv.Value.ToByteArray(), kv.CreateRevision, kv.ModRevision, kv.Version);

    /// <summary>The etcd range [key, end) of every key under the caller's <paramref name="prefix"/>.</summary>
    private (ByteString Key, ByteString End) PrefixRange(string prefix)
    {
        var key = FullKey(prefix);
        // Everything: from the zero byte to the end of the keyspace, which etcd spells "\0" too.
        return _prefix.Length + prefix.Length == 0 ? (key, ByteString.CopyFrom(0)) : (key, RangeEnd(key));
    }

    /// <summary>
    /// etcd's range end for "every key starting with <paramref name="prefix"/>": the prefix with its
    /// last byte below 0xff incremented and the rest cut; a zero byte (every key) when there is none.
    /// </summary>
    internal static ByteString RangeEnd(ByteString prefix)
    {
        var bytes = prefix.ToByteArray();
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }
        return ByteString.CopyFrom(0);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "A compaction overtook the list of '{Prefix}'; listing again at a newer revision.")]
        public static partial void ListRestarted(ILogger logger, string prefix);

        [LoggerMessage(2, LogLevel.Warning, "The etcd watch of '{Prefix}' broke at revision {Revision}; reconnecting.")]
        public static partial void WatchBroke(ILogger logger, string prefix, long revision, Exception exception);
    }
}
