using Grpc.Core;
using P = Nvo3.Protocol.V1;

namespace Nvo3.Nva.Grpc;

// The streams: the watch of changes, and the look-up stream.
internal sealed partial class DirectoryService
{
    /// <inheritdoc />
    public override async Task Watch(P.WatchRequest request, IServerStreamWriter<P.WatchResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        using var subscription = hub.Subscribe(request.FromRevision, Vnis(request.Vnis));
        var messages = subscription.ReadMessagesAsync(authority, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var next = messages.MoveNextAsync().AsTask();
        try
        {
            long written = 0;
            Task? tick = null;
            while (true)
            {
                // A cancelled call ends here: its progress timer would complete at once, forever.
                cancellationToken.ThrowIfCancellationRequested();
                if (request.ProgressNotify && !next.IsCompleted)
                {
                    // One timer a second per quiet stream, not one per message.
                    tick ??= Task.Delay(s_progressInterval, authority.Time, cancellationToken);
                    if (await Task.WhenAny(next, tick).ConfigureAwait(false) == tick)
                    {
                        tick = null;
                        // Every change up to the hub's revision that concerns this stream was queued
                        // before that revision was published; once all of them are written, the
                        // watcher may resume after it.
                        long reached = hub.Revision;
                        if (reached > written && subscription.LastOffered <= written)
                        {
                            await responseStream.WriteAsync(new P.WatchResponse { Revision = reached }, cancellationToken).ConfigureAwait(false);
                            written = reached;
                        }
                        continue;
                    }
                }
                if (!await next.ConfigureAwait(false))
                {
                    return;
                }
                var message = messages.Current;
                await responseStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                written = Math.Max(written, message.Revision);
                if (message.Resync)
                {
                    return;
                }
                next = messages.MoveNextAsync().AsTask();
            }
        }
        finally
        {
            // An async iterator refuses disposal while a MoveNextAsync is pending (a call cancelled
            // while it waited for changes): let that one end first; the token ends it.
            try
            {
                await next.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Cancelled, or failed: the call is over either way.
            }
            await messages.DisposeAsync().ConfigureAwait(false);
        }
    }

    // How often a quiet watch stream that asked for progress hears the revision the NVA reached.
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(1);

    private HashSet<uint>? Vnis(ICollection<uint> vnis)
    {
        if (vnis.Count == 0)
        {
            return null;
        }
        if (vnis.Count > authority.Settings.MaxWatchedNetworks)
        {
            throw new NvaException(NvaError.InvalidArgument, $"Too many networks: {vnis.Count}; at most {authority.Settings.MaxWatchedNetworks} per watch (or none for all).");
        }
        return vnis.ToHashSet();
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each batch is answered in order by one reader, and the answers written by one writer that
    /// flushes only when none is waiting.
    /// </remarks>
    public override async Task Lookups(IAsyncStreamReader<P.LookupBatch> requestStream, IServerStreamWriter<P.LookupAnswers> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var answers = System.Threading.Channels.Channel.CreateUnbounded<P.LookupAnswers>();
        var writing = WriteAnswersAsync(answers.Reader, responseStream, cancellationToken);
        try
        {
            while (await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var batch = requestStream.Current;
                if (batch.Queries.Count > authority.Settings.MaxLookupBatch)
                {
                    throw new NvaException(NvaError.InvalidArgument, $"Too many look-ups in one batch: {batch.Queries.Count}; at most {authority.Settings.MaxLookupBatch}.");
                }
                var response = new P.LookupAnswers { Id = batch.Id };
                foreach (var query in batch.Queries)
                {
                    response.Answers.Add(MapLookup(await LookUpAsync(query, cancellationToken).ConfigureAwait(false)));
                }
                answers.Writer.TryWrite(response);
            }
        }
        finally
        {
            answers.Writer.TryComplete();
            await writing.ConfigureAwait(false);
        }
    }

    private async Task<LookupResult> LookUpAsync(P.LookupQuery query, CancellationToken cancellationToken)
    {
        try
        {
            return string.IsNullOrEmpty(query.Ip)
                ? await authority.LookupByMacAsync(query.Vni, Arguments.ParseMac(query.Mac), query.MinRevision, cancellationToken).ConfigureAwait(false)
                : await authority.LookupByIpAsync(query.Vni, Arguments.ParseIp(query.Ip), query.MinRevision, cancellationToken).ConfigureAwait(false);
        }
        catch (NvaException ex) when (ex.Error is NvaError.NotFound or NvaError.InvalidArgument)
        {
            // An unknown VNI or a malformed address answers this question, not the stream.
            return new LookupResult(null, null, TimeSpan.Zero);
        }
    }

    private static async Task WriteAnswersAsync(System.Threading.Channels.ChannelReader<P.LookupAnswers> answers, IServerStreamWriter<P.LookupAnswers> stream, CancellationToken cancellationToken)
    {
        var buffered = new WriteOptions(WriteFlags.BufferHint);
        while (await answers.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (answers.TryRead(out var answer))
            {
                stream.WriteOptions = answers.Count > 0 ? buffered : null;
                await stream.WriteAsync(answer, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
