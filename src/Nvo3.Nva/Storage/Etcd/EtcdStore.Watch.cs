using System.Runtime.CompilerServices;
using Etcdserverpb;
using Grpc.Core;

namespace Nvo3.Nva.Storage.Etcd;

public sealed partial class EtcdStore
{
    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// etcd serves a watch from revision R as long as R is at or after its compaction revision C,
    /// while this contract fails a watch from any R ≤ C. So the etcd watch starts one revision
    /// early, at R − 1, which etcd refuses exactly when R ≤ C, and the events of R − 1 are dropped.
    /// </para>
    /// <para>
    /// A response can carry several revisions; it is cut into one batch per revision (etcd never
    /// splits one revision across responses unless asked to fragment, which this watch does not).
    /// When the stream breaks (a member went away), the watch reconnects, through the channel's
    /// balancer, from the revision after the last one it delivered; if etcd has compacted past it
    /// meanwhile, it throws <see cref="RevisionCompactedException"/> there.
    /// </para>
    /// </remarks>
    public async IAsyncEnumerable<IReadOnlyList<StoreEvent>> WatchAsync(string prefix, long fromRevision,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(fromRevision);
        var (key, end) = PrefixRange(prefix);
        // Disposing the store ends the watch quietly, as the in-process stores do.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        var token = linked.Token;
        // The first revision still owed to the caller.
        long next = fromRevision > 0 ? fromRevision : await GetRevisionAsync(cancellationToken).ConfigureAwait(false) + 1;
        AsyncDuplexStreamingCall<WatchRequest, WatchResponse>? call = null;
        try
        {
            while (!_lifetime.IsCancellationRequested)
            {
                WatchResponse? response = null;
                try
                {
                    if (call is null)
                    {
                        call = _watch.Watch(cancellationToken: token);
                        var create = new WatchCreateRequest { Key = key, RangeEnd = end, StartRevision = Math.Max(1, next - 1) };
                        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, token).ConfigureAwait(false);
                    }
                    if (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                    {
                        response = call.ResponseStream.Current;
                    }
                    else
                    {
                        Log.WatchBroke(_logger, prefix, next, new IOException("etcd ended the watch stream."));
                    }
                }
                catch (Exception) when (_lifetime.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // The store was disposed under the watch: the stream fails, the watch just ends.
                    break;
                }
                catch (RpcException e) when (IsTransient(e) && !token.IsCancellationRequested)
                {
                    Log.WatchBroke(_logger, prefix, next, e);
                }
                if (response is null)
                {
                    call?.Dispose();
                    call = null;
                    if (!await DelayAsync(_options.WatchRetryDelay, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                    continue;
                }
                if (response.CompactRevision != 0)
                {
                    throw new RevisionCompactedException(next, response.CompactRevision);
                }
                if (response.Canceled)
                {
                    throw new IOException($"etcd cancelled the watch of '{prefix}' at revision {next}: {response.CancelReason}");
                }
                List<StoreEvent>? batch = null;
                foreach (var e in response.Events)
                {
                    long revision = e.Kv.ModRevision;
                    if (revision < next)
                    {
                        continue;
                    }
                    if (batch is not null && batch[0].Revision != revision)
                    {
                        next = batch[0].Revision + 1;
                        yield return batch;
                        batch = null;
                    }
                    batch ??= [];
                    batch.Add(e.Type == Mvccpb.Event.Types.EventType.Put
                        ? new StoreEvent(StoreEventKind.Put, CallerKey(e.Kv.Key), e.Kv.Value.ToByteArray(), revision)
                        : new StoreEvent(StoreEventKind.Delete, CallerKey(e.Kv.Key), null, revision));
                }
                if (batch is not null)
                {
                    next = batch[0].Revision + 1;
                    yield return batch;
                }
            }
        }
        finally
        {
            // Disposing the call cancels it, and etcd drops the watch with the stream.
            call?.Dispose();
        }
    }

    /// <summary>Waits before a reconnect; false when the store was disposed meanwhile.</summary>
    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            await Task.Delay(delay, _timeProvider, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static bool IsTransient(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded;
}
